/**
 * One shared server for the test files that do not need their own (crash tests start theirs).
 * Traces complete after 1 s of quiet so tests see the R2/D1 path quickly.
 *
 * wrangler.toml serves the web app from web/build ([assets]), which must exist before
 * `wrangler dev` starts: it is built first when missing or older than its sources.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startServer, type RunningServer } from "./server";

let server: RunningServer | undefined;

const root = resolve(import.meta.dirname, "../..");

export async function setup(project: TestProject) {
  buildWebIfStale();
  server = await startServer({
    // The suite signs up many tenants from 127.0.0.1; test/auth.test.ts checks the per-IP limit on its own server.
    vars: { TRACE_QUIET_SECONDS: "1", AUTH_ATTEMPTS_PER_IP_PER_MINUTE: "100000" },
  });
  project.provide("serverUrl", server.url);
}

export async function teardown() {
  await server?.stop();
}

/** Newest modification time (ms) of a file or of any file below a folder. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildWebIfStale(): void {
  const built = join(root, "web/build/index.html");
  const sources = ["web/src", "web/static", "web/vite.config.ts", "web/aliases.ts", "worker/model", "worker/jaeger"];
  const sourcesChanged = Math.max(...sources.map((source) => newestMtime(join(root, source))));
  if (existsSync(built) && statSync(built).mtimeMs >= sourcesChanged) return;
  // The Node running vitest runs vite too (22+, from the `node` devDependency under npm scripts).
  const vite = join(root, "node_modules/vite/bin/vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`web build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

declare module "vitest" {
  export interface ProvidedContext {
    serverUrl: string;
  }
}
