/**
 * The web app: a static SPA (adapter-static with an index.html fallback) that the edgetrace Worker
 * serves through Workers Static Assets (see `[assets]` in wrangler.toml). SvelteKit 3 takes its
 * configuration here, in the `sveltekit()` plugin; a svelte.config.js is no longer read.
 *
 * Built from the repository root with `npm run build:web`; the root is pinned to this folder so
 * `src/`, `.svelte-kit/` and `build/` resolve here whatever the working directory.
 */
import { fileURLToPath } from "node:url";
import adapter from "@sveltejs/adapter-static";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";
import { webAliases } from "./aliases.ts";
import { writeSecurityHeaders } from "./security-headers.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const staticAdapter = adapter({ pages: here("build"), assets: here("build"), fallback: "index.html" });

export default defineConfig({
  root: here("."),
  plugins: [
    sveltekit({
      // Workers Static Assets answers unknown navigations with /index.html
      // (`not_found_handling = "single-page-application"`), so the fallback must be that file.
      // Then the security headers: the CSP hashes the inline scripts of the pages just written.
      adapter: {
        ...staticAdapter,
        async adapt(builder) {
          await staticAdapter.adapt(builder);
          writeSecurityHeaders(here("build"));
        },
      },
      compilerOptions: { runes: true },
    }),
  ],
  resolve: {
    alias: webAliases,
  },
  server: {
    // The dev server may read the shared model outside web/.
    fs: { allow: [here("../worker")] },
  },
  build: {
    // Source maps would double build/ for no user; the Worker serves every file in it.
    sourcemap: false,
  },
});
