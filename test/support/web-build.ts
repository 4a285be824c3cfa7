/**
 * wrangler.toml serves the web app from web/build ([assets]), which must exist before
 * `wrangler dev` starts: it is built first when missing or older than its sources.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/** Newest modification time (ms) of a file or of any file below a folder. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function buildWebIfStale(): void {
  const built = join(root, "web/build/index.html");
  const sources = ["web/src", "web/static", "web/vite.config.ts", "web/aliases.ts", "web/security-headers.ts", "worker/middleware/security-policy.ts", "worker/model", "worker/jaeger"];
  const sourcesChanged = Math.max(...sources.map((source) => newestMtime(join(root, source))));
  if (existsSync(built) && statSync(built).mtimeMs >= sourcesChanged) return;
  // The Node running vitest runs vite too (22+, from the `node` devDependency under npm scripts).
  const vite = join(root, "node_modules/vite/bin/vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`web build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

