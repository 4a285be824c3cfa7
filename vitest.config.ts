import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Pure modules (decoders, model): fast, no runtime needed.
        test: { name: "unit", include: ["worker/**/*.test.ts", "durable-objects/**/*.test.ts", "web/src/**/*.test.ts"], environment: "node" },
      },
      {
        // The real product under wrangler dev: workerd, D1, R2, Durable Objects, real OTel exporters.
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
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
});
