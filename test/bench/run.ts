/**
 * `npm run bench` — ingest throughput and cost, measured side by side in one run.
 *
 * Both servers run under `wrangler dev` on the same workerd: the full edgetrace pipeline and a null
 * Worker that only reads the body. Both get the same 512-span HotROD batch (made by the real OTel
 * SDK, serialised by its protobuf serialiser, fresh trace ids per request) at the same
 * concurrency, alternating rounds so machine noise hits both alike. It prints spans/s for each and
 * the ratio, then the rows, objects and requests the pipeline used per million spans, priced at
 * Cloudflare's list prices. Then search at scale (./search.ts; BENCH_SEARCH_SPANS=0 skips it).
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { collectHotrodSpans } from "../demo/traffic.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { costPerMillionSpans, type StorageUsage } from "../../worker/storage/usage.ts";
import { freshBatches, runLoad, type LoadResult } from "./load.ts";
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
  const full = await startServer();
  servers.push(full);
  const { ingestKey, readKey } = await signUpBench(full.url);
  const headers = { "content-type": "application/x-protobuf", "x-api-key": ingestKey };

  const run = (url: string, seconds: number) =>
    runLoad({ url: `${url}/v1/traces`, headers, batches: freshBatches(body, traceIds), connections: CONNECTIONS, seconds });

  // Warm both (JIT, object creation) before measuring.
  await run(nullServer.url, 2);
  await run(full.url, 2);

  const nullRuns: LoadResult[] = [];
  const fullRuns: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    nullRuns.push(await run(nullServer.url, SECONDS));
    fullRuns.push(await run(full.url, SECONDS));
  }
  const nullRate = spansPerSecond(nullRuns);
  const fullRate = spansPerSecond(fullRuns);
  const failed = fullRuns.reduce((n, r) => n + r.non2xx + r.errors, 0);

  console.log("ingest throughput (spans/s, higher is better)");
  console.log(row("null Worker (reads body only)", nullRate, nullRuns));
  console.log(row("edgetrace full pipeline", fullRate, fullRuns));
  console.log(`  ratio full / null: ${(fullRate / nullRate).toFixed(2)}  (target ≥ 0.50)`);
  if (failed) console.log(`  ! ${failed} full-pipeline requests failed or were not 2xx`);

  // Let every open trace complete (quiet period 10 s) so the cost includes R2 + D1 completion.
  printCost(await waitForCompletion(full.url, readKey), traces);

  await Promise.all(servers.map((s) => s.stop()));
  servers.length = 0;
  // Then search over a tenant of BENCH_SEARCH_SPANS spans (0 skips it), on its own server.
  await runSearchBench();
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

async function signUpBench(url: string) {
  const signup = await fetch(`${url}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `bench-${Date.now()}@edgetrace.dev`, password: "benchmark-password", organization: "Bench" }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const { apiKey } = (await signup.json()) as { apiKey: { key: string } };
  const cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const created = await fetch(`${url}/api/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name: "bench reader", scopes: ["read"] }),
  });
  const { key } = (await created.json()) as { key: string };
  return { ingestKey: apiKey.key, readKey: key };
}

async function waitForCompletion(url: string, readKey: string): Promise<StorageUsage> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await fetch(`${url}/api/usage`, { headers: { authorization: `Bearer ${readKey}` } });
    const report = (await response.json()) as { usage: StorageUsage; openTraces: number };
    if (report.openTraces === 0 || Date.now() > deadline) return report.usage;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

function printCost(usage: StorageUsage, tracesPerBatch: number) {
  const perMillion = (n: number) => Math.round((n * 1e6) / usage.spansAppended).toLocaleString("en-US");
  const cost = costPerMillionSpans(usage, workerRequestsFor(usage));
  console.log(`\nstorage work per million spans (${usage.spansAppended.toLocaleString("en-US")} spans measured, ${tracesPerBatch} traces per batch)`);
  console.log(`  Worker requests            ${perMillion(workerRequestsFor(usage)).padStart(8)}`);
  console.log(`  Durable Object requests    ${perMillion(usage.appends).padStart(8)}`);
  console.log(`  DO SQLite rows written     ${perMillion(usage.objectRowsWritten).padStart(8)}`);
  console.log(`  D1 rows written            ${perMillion(usage.d1RowsWritten).padStart(8)}   (${usage.tracesCompleted.toLocaleString("en-US")} traces completed)`);
  console.log(`  R2 writes (class A)        ${perMillion(usage.r2Puts).padStart(8)}`);
  console.log(`  R2 reads (class B)         ${perMillion(usage.r2Gets).padStart(8)}`);
  console.log(`  R2 bytes stored            ${(usage.r2BytesWritten / usage.spansAppended).toFixed(0).padStart(8)} B/span`);
  console.log("\ninfra cost per million spans at Cloudflare list prices (target ≤ $0.020)");
  for (const [name, dollars] of Object.entries(cost)) {
    if (name !== "total") console.log(`  ${name.padEnd(26)} $${dollars.toFixed(4)}`);
  }
  console.log(`  ${"total".padEnd(26)} $${cost.total.toFixed(4)}`);
}

/** Every request (warm-up included, as usage counts those spans too) carried one full batch. */
function workerRequestsFor(usage: StorageUsage): number {
  return usage.spansAppended / SPANS_PER_BATCH;
}

main().catch(async (error) => {
  console.error(error);
  await Promise.all(servers.map((s) => s.kill()));
  process.exit(1);
});
