/**
 * One shared server for the test files that do not need their own (crash tests start theirs).
 * Traces complete after 1 s of quiet so tests see the R2/D1 path quickly.
 */
import type { TestProject } from "vitest/node";
import { startServer, type RunningServer } from "./server";

let server: RunningServer | undefined;

export async function setup(project: TestProject) {
  server = await startServer({
    // The suite signs up many tenants from 127.0.0.1; test/auth.test.ts checks the per-IP limit on its own server.
    vars: { TRACE_QUIET_SECONDS: "1", TRACE_BLOCK_WAIT_SECONDS: "0", AUTH_ATTEMPTS_PER_IP_PER_MINUTE: "100000" },
  });
  project.provide("serverUrl", server.url);
}

export async function teardown() {
  await server?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    serverUrl: string;
  }
}
