/**
 * `npm run bench`, parts 3 and 4:
 *
 * - a small tenant — 100-span HotROD requests, 4 a second — priced per million spans with 30 days
 *   of storage, as the HotROD load is (run.ts): the flush floor and compaction must keep its blocks
 *   few although every request is small;
 * - trace by id with 1× and 10× the blocks of history: a tenant whose blocks are kept small and
 *   uncompacted (40 traces a block), 100 k spans and then 1 M, the same stored traces looked up
 *   both times. The id index's cost should not grow with the number of blocks.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { collectHotrodSpans } from "../demo/traffic.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { BENCH_VARS, limiterOf, percentile, printCost, sendSpans, signUpBench, waitForRest, type BenchTenant } from "./api.ts";

const SMALL_SECONDS = Number(process.env.BENCH_SMALL_SECONDS ?? 120);
const SMALL_RATE = 4;
const SMALL_BATCH = 100;
const HISTORY_SPANS = Number(process.env.BENCH_HISTORY_SPANS ?? 100_000);
const LOOKUPS = 300;

const running: RunningServer[] = [];
process.on("exit", () => running.forEach((s) => process.kill(-s.pid, "SIGKILL")));

export async function runSmallTenantBench(): Promise<void> {
  if (!(SMALL_SECONDS > 0)) return;
  const server = await startServer({ vars: BENCH_VARS });
  running.push(server);
  try {
    const tenant = await signUpBench(server.url, "small");
    const { spans } = collectHotrodSpans({ spanCount: SMALL_SECONDS * SMALL_RATE * SMALL_BATCH, seed: 11 });
    const bodies: Uint8Array[] = [];
    for (let i = 0; i < spans.length; i += SMALL_BATCH) bodies.push(ProtobufTraceSerializer.serializeRequest(spans.slice(i, i + SMALL_BATCH)) as Uint8Array);
    console.log(`\n3. a small tenant: ${bodies.length} requests of ${SMALL_BATCH} spans, ${SMALL_RATE} a second for ${SMALL_SECONDS} s`);
    const started = Date.now();
    let sent = 0;
    await Promise.all(
      bodies.map(async (body, i) => {
        const due = started + (i * 1000) / SMALL_RATE;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        const response = await fetch(`${server.url}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf", "x-api-key": tenant.ingestKey }, body });
        if (response.ok) sent++;
        await response.arrayBuffer();
      }),
    );
    const report = await waitForRest(server.url, tenant, { compacted: true });
    printCost("   cost of the small tenant", report, sent, await limiterOf(server.url, tenant));
  } finally {
    await server.stop();
    running.splice(running.indexOf(server), 1);
  }
}

export async function runHistoryBench(): Promise<void> {
  if (!(HISTORY_SPANS > 0)) return;
  // Small, uncompacted blocks: many blocks of history quickly.
  const server = await startServer({
    vars: { ...BENCH_VARS, TRACE_BLOCK_MAX_TRACES: "40", TRACE_BLOCK_WAIT_SECONDS: "0", TRACE_QUIET_SECONDS: "1", TRACE_COMPACTION_EARLY_BLOCKS: "0", TRACE_COMPACTION_WINDOW_SECONDS: "86400" },
  });
  running.push(server);
  try {
    const tenant = await signUpBench(server.url, "history");
    console.log(`\n4. trace by id over growing history (blocks of 40 traces, uncompacted)`);
    const first = await ingest(server.url, tenant, HISTORY_SPANS, 21);
    const one = await waitForRest(server.url, tenant, { compacted: false });
    const before = await lookups(server.url, tenant, first);
    await ingest(server.url, tenant, HISTORY_SPANS * 9, 22);
    const ten = await waitForRest(server.url, tenant, { compacted: false });
    const after = await lookups(server.url, tenant, first);
    const nul = await lookups(server.url, tenant, [], "/healthz");
    const p50 = (list: number[]) => percentile(list, 0.5);
    console.log(`   bare round trip to the Worker (GET /healthz): p50 ${p50(nul).toFixed(1)} ms`);
    console.log(`   ${one.stored.blocks.toLocaleString("en-US").padStart(6)} blocks, ${one.stored.spans.toLocaleString("en-US")} spans: trace by id p50 ${p50(before).toFixed(1)} ms, p90 ${percentile(before, 0.9).toFixed(1)} ms`);
    console.log(`   ${ten.stored.blocks.toLocaleString("en-US").padStart(6)} blocks, ${ten.stored.spans.toLocaleString("en-US")} spans: trace by id p50 ${p50(after).toFixed(1)} ms, p90 ${percentile(after, 0.9).toFixed(1)} ms (the same traces)`);
    console.log(`   ratio 10× / 1×: ${(p50(after) / p50(before)).toFixed(2)}  (target ≤ 1.5)`);
  } catch (error) {
    console.error(server.output().slice(-3000));
    throw error;
  } finally {
    await server.stop();
    running.splice(running.indexOf(server), 1);
  }
}

/** Sends `count` HotROD spans; returns some of their trace ids. */
async function ingest(url: string, tenant: BenchTenant, count: number, seed: number): Promise<string[]> {
  const { spans } = collectHotrodSpans({ spanCount: count, seed });
  const ids = new Set<string>();
  for (const span of spans) if (ids.size < LOOKUPS) ids.add(span.spanContext().traceId);
  await sendSpans(url, tenant, spans);
  return [...ids];
}

async function lookups(url: string, tenant: BenchTenant, ids: string[], path?: string): Promise<number[]> {
  const times: number[] = [];
  const targets = path ? Array.from({ length: 50 }, () => path) : ids.map((id) => `/api/traces/${id}`);
  for (const target of targets) {
    const started = performance.now();
    const response = await fetch(`${url}${target}`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET ${target}: ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}


if (process.argv[1]?.endsWith("history.ts")) {
  runHistoryBench().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
