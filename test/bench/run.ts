/**
 * `npm run bench` — everything measured side by side in one run, on the same workerd:
 *
 * 1. Ingest throughput: the full pipeline against a null Worker that only reads the body, same
 *    512-span HotROD batch (real OTel SDK, its protobuf serialiser, fresh trace ids per request),
 *    same concurrency, alternating rounds so machine noise hits both alike.
 * 2. Cost per million spans of that load, with 30 days of storage, counted from the tenant's daily
 *    usage once every trace is written and compacted.
 * 3. The same for a small tenant: 100-span requests, a few a second (history.ts).
 * 4. Trace by id with 1× and 10× the blocks of history (history.ts).
 * 5. Search at scale (search.ts; BENCH_SEARCH_SPANS=0 skips it).
 * 6. The service graph and RED metrics over 24 h of HotROD traffic (metrics.ts;
 *    BENCH_METRICS_SPANS=0 skips it). The trace view runs after (trace-view.ts).
 * 7. Limits: a tenant flooding at 5× its plan's rate beside a steady one (B gets only 200s, its
 *    p99 with the flood against alone), and what limits cost per million spans (limits.ts;
 *    BENCH_LIMITS_SECONDS=0 skips it).
 *
 * The bench's servers compact per minute (TRACE_COMPACTION_WINDOW_SECONDS=60) instead of per
 * hour, so compacted sizes are measured within the run; that compacts more often than production
 * would, so the cost of compaction is counted high, not low.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { collectHotrodSpans } from "../demo/traffic.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { BENCH_VARS, limiterOf, printCost, signUpBench, waitForRest } from "./api.ts";
import { runHistoryBench, runSmallTenantBench } from "./history.ts";
import { freshBatches, runLoad, type LoadResult } from "./load.ts";
import { runLimitsBench } from "./limits.ts";
import { runMetricsBench } from "./metrics.ts";
import { runSearchBench } from "./search.ts";

const SPANS_PER_BATCH = 512;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const servers: RunningServer[] = [];
process.on("exit", () => servers.forEach((s) => process.kill(-s.pid, "SIGKILL")));

async function main() {
  const { spans } = collectHotrodSpans({ spanCount: SPANS_PER_BATCH, seed: 7 });
  const body = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
  const traceIds = spans.map((s) => s.spanContext().traceId);
  const traces = new Set(traceIds).size;
  console.log(`batch: ${spans.length} spans in ${traces} HotROD traces, ${(body.length / 1024).toFixed(0)} KiB protobuf`);
  console.log(`load: ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per server, alternating\n`);

  const nullServer = await startServer({ config: "test/bench/null-worker/wrangler.toml" });
  servers.push(nullServer);
  const full = await startServer({ vars: BENCH_VARS });
  servers.push(full);
  const tenant = await signUpBench(full.url, "bench");
  const headers = { "content-type": "application/x-protobuf", "x-api-key": tenant.ingestKey };

  const run = (url: string, seconds: number) =>
    runLoad({ url: `${url}/v1/traces`, headers, batches: freshBatches(body, traceIds), connections: CONNECTIONS, seconds });

  // Warm both (JIT, object creation) before measuring.
  const warm = [await run(nullServer.url, 2), await run(full.url, 2)];
  const nullRuns: LoadResult[] = [];
  const fullRuns: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    nullRuns.push(await run(nullServer.url, SECONDS));
    fullRuns.push(await run(full.url, SECONDS));
  }
  const nullRate = spansPerSecond(nullRuns);
  const fullRate = spansPerSecond(fullRuns);
  const failed = fullRuns.reduce((n, r) => n + r.non2xx + r.errors, 0);

  console.log("1. ingest throughput (spans/s, higher is better)");
  console.log(row("null Worker (reads body only)", nullRate, nullRuns));
  console.log(row("edgetrace full pipeline", fullRate, fullRuns));
  console.log(`  ratio full / null: ${(fullRate / nullRate).toFixed(2)}  (target ≥ 0.50)`);
  if (failed) console.log(`  ! ${failed} full-pipeline requests failed or were not 2xx`);
  await nullServer.stop();

  // Every request the tenant sent (warm-up included: its spans are in the usage too).
  const requests = [warm[1] as LoadResult, ...fullRuns].reduce((n, r) => n + r.requests - r.non2xx - r.errors, 0);
  const report = await waitForRest(full.url, tenant, { compacted: true });
  printCost("2. cost of the HotROD load (512-span requests)", report, requests, await limiterOf(full.url, tenant));
  await full.stop();
  servers.length = 0;

  await runSmallTenantBench();
  await runHistoryBench();
  await runSearchBench();
  await runMetricsBench();
  await runLimitsBench();
}

function spansPerSecond(runs: LoadResult[]): number {
  const requests = runs.reduce((n, r) => n + r.requests - r.non2xx - r.errors, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return (requests * SPANS_PER_BATCH) / seconds;
}

function row(name: string, rate: number, runs: LoadResult[]): string {
  const p50 = Math.max(...runs.map((r) => r.latencyP50));
  const p99 = Math.max(...runs.map((r) => r.latencyP99));
  return `  ${name.padEnd(32)} ${Math.round(rate).toLocaleString("en-US").padStart(9)} spans/s   p50 ${p50} ms  p99 ${p99} ms`;
}

if (process.argv[1]?.endsWith("run.ts")) {
  main().catch(async (error) => {
    console.error(error);
    await Promise.all(servers.map((s) => s.kill()));
    process.exit(1);
  });
}
