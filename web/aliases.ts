/**
 * The web app's import prefixes, in one place for web/vite.config.ts and any other Vite or Vitest
 * config that loads its modules (web/tsconfig.json repeats them as `paths` for the type checker).
 *
 * Plain Vite aliases: SvelteKit 3 deprecates its own `alias` option and no longer defines `$lib`.
 */
import { fileURLToPath } from "node:url";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const webAliases = {
  $lib: here("src/lib"),
  // The one span model, shared with the Worker and the Durable Objects.
  $model: here("../worker/model"),
  // Jaeger query API v1 shapes, exactly as the Worker answers them.
  $jaeger: here("../worker/jaeger"),
  // Sampling settings (strategies, tail policy, adaptive mode), as the Worker validates them.
  $sampling: here("../worker/sampling"),
  // Broken-propagation findings (what GET /api/broken-traces answers), as the Worker computes them.
  $propagation: here("../worker/propagation"),
};
