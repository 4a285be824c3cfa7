import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { webAliases } from "./web/aliases.ts";

export default defineConfig(async () => ({
  test: {
    projects: [
      {
        // Pure modules (decoders, model): fast, no runtime needed.
        // The app's import prefixes ($model, $lib…), so web modules that use the shared model run here as in the app.
        resolve: { alias: webAliases },
        test: { name: "unit", include: ["worker/**/*.test.ts", "durable-objects/**/*.test.ts", "web/src/**/*.test.ts"], environment: "node" },
      },
      {
        // Inside workerd (the Worker, trace shards, D1, R2 in one process), where a test can reach
        // into a Durable Object, drive its clock and run its alarm: compaction, retention, flush
        // floors and failures without sleeping.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                ADMIN_TOKEN: "workers-test-admin-token",
                // Plans small enough for test/workers/ingest-limits.test.ts to reach; and the free
                // plan's rate (the default plan) lifted out of reach, its burst still 10 s of its rate
                // and its monthly quota as is: the shard tests replay hours of driven-clock traffic in
                // seconds of the limiter's real time.
                // Every request asks the limiter: its clock is driven, a lease's window is real time.
                INGEST_LEASE_MS: "0",
                PLAN_OVERRIDES: JSON.stringify({
                  free: { spansPerSecond: 1_000_000_000, burstSpans: 10_000_000_000, spansPerMonth: 100_000_000 },
                  "test-rate": { spansPerSecond: 100, burstSpans: 200, spansPerMonth: 1_000_000 },
                  "test-rate-large": { spansPerSecond: 100_000, burstSpans: 100_000, spansPerMonth: 1_000_000 },
                  "test-quota": { spansPerSecond: 100_000, burstSpans: 100_000, spansPerMonth: 300 },
                }),
              },
            },
          }),
        ],
        test: { name: "workers", include: ["test/workers/**/*.test.ts"], setupFiles: ["test/workers/setup.ts"], testTimeout: 120_000 },
      },
      {
        // The real product under wrangler dev: workerd, D1, R2, Durable Objects, real OTel exporters.
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          exclude: ["test/workers/**"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: files share one server; the few that start their own run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
}));
