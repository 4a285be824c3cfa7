/**
 * `npm run bench`, second part — trace search at scale, side by side with the store's own speed.
 *
 * 1. Ingest BENCH_SEARCH_SPANS (default 1,000,000) HotROD spans for one tenant — made by the real
 *    OTel SDK, 512 a batch, several connections, start times spread over the last 50 minutes — and
 *    wait until every trace is complete (in R2 + D1).
 * 2. Restart the server (a cold isolate), then time, through the public API with a read key:
 *    trace by id, and attribute searches from rare to common (Jaeger UI's defaults: lookback 1 h,
 *    limit 20). Each query uses a different value, so no answer is served twice.
 * 3. Stop it and start a bare Worker on the same local D1 + R2 (raw-store/) to time the store's own
 *    reads: the D1 lookup + R2 GET of a trace, and one D1 read of the whole index of the window.
 * 4. Print the index's size per block and what it costs per million spans, against the format it
 *    replaced (a JSON array of trace summaries).
 */
import { rmSync } from "node:fs";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { CollectingSpanProcessor, collectHotrodSpans, createHotrodProviders, hotrodTraffic } from "../demo/traffic.ts";
import { startServer, type RunningServer } from "../support/server.ts";

const SPANS = Number(process.env.BENCH_SEARCH_SPANS ?? 1_000_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const BATCH = 512;
const SPREAD_MS = 50 * 60_000;
const ROUNDS = 20;

const running: RunningServer[] = [];
process.on("exit", () => running.forEach((s) => process.kill(-s.pid, "SIGKILL")));

interface Samples {
  traceIds: string[];
  messageIds: string[];
  driverIds: string[];
  sessionIds: string[];
}

export async function runSearchBench(): Promise<void> {
  if (!(SPANS > 0)) return;
  console.log(`\n── search at scale: ${SPANS.toLocaleString("en-US")} spans for one tenant ──`);
  let server = await start({});
  const tenant = await signUp(server.url);
  const now = Date.now();
  const ingest = await ingestHotrod(server.url, tenant.ingestKey, now);
  const completeStarted = performance.now();
  await waitForCompletion(server.url, tenant.readKey);
  console.log(
    `ingest: ${ingest.spans.toLocaleString("en-US")} spans (${ingest.requests.toLocaleString("en-US")} HotROD requests) in ${(ingest.seconds).toFixed(1)} s ` +
      `(${Math.round(ingest.spans / ingest.seconds).toLocaleString("en-US")} spans/s incl. generating them), all complete ${((performance.now() - completeStarted) / 1000).toFixed(1)} s later`,
  );

  // A fresh isolate: nothing of the index cached.
  const stateDir = server.stateDir;
  await stop(server);
  server = await start({ stateDir });
  const api = (path: string) => timedGet(`${server.url}${path}`, tenant.readKey);
  const window = `start=${(now - 3_600_000) * 1000}&end=${(now + 60_000) * 1000}`;
  const tags = (map: Record<string, string>) => `tags=${encodeURIComponent(JSON.stringify(map))}`;
  const pick = <T>(list: T[], i: number) => list[(i * 7919) % list.length] as T;

  const cold = await api(`/api/traces?${window}&limit=20&${tags({ "messaging.message.id": pick(ingest.samples.messageIds, 999) })}`);
  const searches: Array<[string, (i: number) => string]> = [
    ["unique value, all services (messaging.message.id)", (i) => `${tags({ "messaging.message.id": pick(ingest.samples.messageIds, i) })}`],
    ["rare value (hotrod.driver.id)", (i) => `${tags({ "hotrod.driver.id": pick(ingest.samples.driverIds, i) })}`],
    ["service + common value (customer, customer_id)", (i) => `service=customer&${tags({ customer_id: ["123", "392", "731", "567"][i % 4] as string })}`],
    ["service + error=true (frontend)", () => `service=frontend&${tags({ error: "true" })}`],
    ["two tags on one span (session.id + span.kind)", (i) => `${tags({ "session.id": pick(ingest.samples.sessionIds, i), "span.kind": "server" })}`],
    ["no tags: operation + minDuration (slow queries)", () => "service=customer&operation=SELECT%20customer&minDuration=500ms"],
  ];
  const byId: number[] = [];
  for (let i = 0; i < 200; i++) byId.push((await api(`/api/traces/${pick(ingest.samples.traceIds, i)}`)).ms);
  const searchResults = [];
  for (const [name, params] of searches) {
    const runs = [];
    for (let i = 0; i < ROUNDS; i++) runs.push(await api(`/api/traces?${window}&limit=20&${params(i)}`));
    searchResults.push({ name, runs });
  }
  await stop(server);

  // The store alone, same data, same machine.
  const raw = await start({ stateDir, config: "test/bench/raw-store/wrangler.toml" });
  const rawGet = (path: string) => timedGet(`${raw.url}${path}`, "");
  const nul: number[] = [];
  for (let i = 0; i < 50; i++) nul.push((await rawGet("/raw/null")).ms);
  const rawTrace: number[] = [];
  for (let i = 0; i < 200; i++) rawTrace.push((await rawGet(`/raw/trace?tenant=${tenant.tenantId}&id=${pick(ingest.samples.traceIds, i)}`)).ms);
  const rawIndex: number[] = [];
  let indexRead = { blocks: 0, chars: 0 };
  for (let i = 0; i < 10; i++) {
    const response = await rawGet(`/raw/index?tenant=${tenant.tenantId}&${window}`);
    rawIndex.push(response.ms);
    indexRead = response.body as typeof indexRead;
  }
  const rawD1: number[] = [];
  for (let i = 0; i < 200; i++) rawD1.push((await rawGet(`/raw/trace?tenant=${tenant.tenantId}&id=${pick(ingest.samples.traceIds, i)}&only=d1`)).ms);
  const stats = (await rawGet(`/raw/stats?tenant=${tenant.tenantId}`)).body as IndexStats;
  await stop(raw);
  // A million spans take ~350 MB of local state: do not leave it in the temp folder.
  rmSync(stateDir, { recursive: true, force: true });

  const p50 = (list: number[]) => percentile(list, 0.5);
  console.log(`\nquery latency, client-side through wrangler dev (p50 / p90 ms; bare HTTP round trip to a Worker: ${p50(nul).toFixed(1)} ms)`);
  console.log(row("trace by id  GET /api/traces/{id}", byId, `store alone (D1 lookup + R2 GET): ${fmt(rawTrace)}  → ${(p50(byId) / p50(rawTrace)).toFixed(1)}×   target p50 ≤ 20 ms`));
  console.log(`    (of which the D1 lookup alone: ${fmt(rawD1)})`);
  console.log(`  attribute search  GET /api/traces (limit 20, lookback 1 h over ${stats.blocks} blocks, ${Number(stats.traces).toLocaleString("en-US")} traces)  target p50 ≤ 300 ms`);
  console.log(`    cold isolate, first query (unique value): ${cold.ms.toFixed(0)} ms  [${cold.stats}]`);
  for (const { name, runs } of searchResults) {
    console.log(row(`  ${name}`, runs.map((r) => r.ms), `[${runs[Math.floor(runs.length / 2)]?.stats ?? ""}] ${Math.round(median(runs.map((r) => r.traces)))} traces`));
  }
  console.log(`    store alone: one D1 read of every index column in the window (${indexRead.blocks} blocks, ${(indexRead.chars / 1e6).toFixed(1)} MB) — what a search without the block filters would read: ${fmt(rawIndex)}`);
  console.log("    [blocks = rows D1 returned after its SQL filters; visited = blocks judged; judged = trace entries checked; read = traces fetched, results included]");
  await printIndexCost(stats);
}

interface IndexStats {
  blocks: number;
  traces: number;
  spans: number;
  traceIndex: number;
  services: number;
  operations: number;
  search: number;
  terms: number;
  traceFilter: number;
  blockTerms: number;
}

async function printIndexCost(stats: IndexStats): Promise<void> {
  const perBlock = (n: number) => Math.round(n / stats.blocks).toLocaleString("en-US");
  const perSpan = (n: number) => (n / stats.spans).toFixed(1);
  const now = stats.traceIndex + stats.services + stats.operations + stats.search + stats.terms + stats.traceFilter + stats.blockTerms;
  // The replaced row held trace_index, services and a JSON array of trace summaries.
  const summaries = (await oldFormatChars(Math.round(stats.traces / stats.blocks))).perTrace * stats.traces;
  const before = stats.traceIndex + stats.services + summaries;
  const dollars = (bytes: number) => `$${(((bytes / stats.spans) * 1e6) / 1e9 * 0.75).toFixed(4)}`;
  console.log(`\nsearch index in D1: ${stats.blocks} blocks, ${Math.round(stats.traces / stats.blocks)} traces and ${Math.round(stats.spans / stats.blocks)} spans a block`);
  console.log(`  rows written per block     3 (the row + its 2 index entries), as before → $${((3 * stats.blocks) / stats.spans).toFixed(4)} per million spans`);
  console.log(`  bytes written per block    ${perBlock(now)} (${perSpan(now)} B/span) — before: ${perBlock(before)} (${perSpan(before)} B/span, summaries estimated from the same traffic)`);
  console.log(
    `    trace_index ${perBlock(stats.traceIndex)}, trace_filter ${perBlock(stats.traceFilter)}, operations ${perBlock(stats.operations)}, ` +
      `search ${perBlock(stats.search)}, terms (trace filters) ${perBlock(stats.terms)}, block_terms ${perBlock(stats.blockTerms)}, services ${perBlock(stats.services)}`,
  );
  console.log(`  D1 storage at $0.75/GB-month: ${dollars(now)} per million spans kept a month (before: ${dollars(before)}); a D1 database holds 10 GB`);
}

/** Characters the replaced `summaries` column took per trace, for HotROD traces, in blocks of `blockTraces`. */
async function oldFormatChars(blockTraces: number): Promise<{ perTrace: number }> {
  await import("./resolve-ts.ts");
  const { summarize, digestsOf } = await import("../../worker/model/summary");
  const { decodeProtobufRequest } = await import("../../worker/otlp/protobuf-decode");
  const { spans } = collectHotrodSpans({ requests: 300, seed: 99 });
  const batch = decodeProtobufRequest(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array).batch;
  const ids = [...new Set(batch.spans.map((s) => s.traceId))].slice(0, Math.max(1, blockTraces));
  const summaries = ids.map((traceId) => {
    const trace = { traceId, ...batch, spans: batch.spans.filter((s) => s.traceId === traceId) };
    return { ...summarize(traceId, digestsOf(trace)), offset: 123_456, length: 4_567 };
  });
  return { perTrace: JSON.stringify(summaries).length / summaries.length };
}

async function ingestHotrod(url: string, key: string, now: number) {
  const sample = collectHotrodSpans({ requests: 50, seed: 2 });
  const requests = Math.ceil((SPANS / sample.spans.length) * 50);
  const collector = new CollectingSpanProcessor();
  const providers = createHotrodProviders({ processorsFor: () => [collector], seed: 42 });
  const samples: Samples = { traceIds: [], messageIds: [], driverIds: [], sessionIds: [] };
  const queue: Uint8Array[] = [];
  let sent = 0;
  let generated = 0;
  let done = false;
  let failures = 0;
  const started = performance.now();
  const sender = async () => {
    while (!done || queue.length > 0) {
      const body = queue.shift();
      if (!body) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      const response = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf", "x-api-key": key }, body });
      if (!response.ok) {
        failures++;
        queue.push(body); // retry, as an exporter would
      } else sent++;
      await response.arrayBuffer();
    }
  };
  const senders = Array.from({ length: CONNECTIONS }, sender);
  let count = 0;
  for (const request of hotrodTraffic({ providers, requests, seed: 42, now, spreadMs: SPREAD_MS })) {
    count++;
    if (count % 20 === 0) samples.traceIds.push(request.traceId, ...(request.notificationTraceId ? [request.notificationTraceId] : []));
    while (collector.spans.length >= BATCH) {
      const batch = collector.spans.splice(0, BATCH);
      collectSamples(batch, samples);
      generated += batch.length;
      queue.push(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array);
      // Backpressure: never hold more than a few batches per connection in memory.
      while (queue.length > CONNECTIONS * 2) await new Promise((r) => setTimeout(r, 1));
    }
    if (generated >= SPANS) break;
  }
  if (collector.spans.length > 0 && generated < SPANS) {
    generated += collector.spans.length;
    queue.push(ProtobufTraceSerializer.serializeRequest(collector.spans.splice(0)) as Uint8Array);
  }
  done = true;
  await Promise.all(senders);
  if (failures) console.log(`  (${failures} batches were refused and re-sent)`);
  return { spans: generated, requests: count, batches: sent, seconds: (performance.now() - started) / 1000, samples };
}

function collectSamples(batch: ReadableSpan[], samples: Samples): void {
  for (const span of batch) {
    const message = span.attributes["messaging.message.id"];
    if (span.name === "send dispatch" && typeof message === "string" && samples.messageIds.length < 500) samples.messageIds.push(message);
    const driver = span.attributes["hotrod.driver.id"];
    if (typeof driver === "string" && samples.driverIds.length < 500) samples.driverIds.push(driver);
    const session = span.attributes["session.id"];
    if (typeof session === "string" && samples.sessionIds.length < 500) samples.sessionIds.push(session);
  }
}

async function waitForCompletion(url: string, readKey: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { body } = await timedGet(`${url}/api/usage`, readKey);
    if ((body as { openTraces: number }).openTraces === 0) return;
    if (Date.now() > deadline) throw new Error("traces still open after 5 minutes");
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

async function timedGet(url: string, key: string): Promise<{ ms: number; body: unknown; stats: string; traces: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok && response.status !== 404) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data?: unknown };
  return { ms, body, stats: response.headers.get("x-edgetrace-search") ?? "", traces: Array.isArray(body.data) ? body.data.length : 0 };
}

async function signUp(url: string) {
  const signup = await fetch(`${url}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `search-bench-${Date.now()}@edgetrace.dev`, password: "benchmark-password", organization: "Search bench" }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const { tenant, apiKey } = (await signup.json()) as { tenant: { id: string }; apiKey: { key: string } };
  const cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const created = await fetch(`${url}/api/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name: "search bench reader", scopes: ["read"] }),
  });
  const { key } = (await created.json()) as { key: string };
  return { tenantId: tenant.id, ingestKey: apiKey.key, readKey: key };
}

async function start(options: { stateDir?: string; config?: string }): Promise<RunningServer> {
  const server = await startServer(options);
  running.push(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  await server.stop();
  running.splice(running.indexOf(server), 1);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function fmt(values: number[]): string {
  return `${percentile(values, 0.5).toFixed(1)} / ${percentile(values, 0.9).toFixed(1)}`;
}

function row(name: string, values: number[], note: string): string {
  return `  ${name.padEnd(58)} ${fmt(values).padStart(15)}   ${note}`;
}

if (process.argv[1]?.endsWith("search.ts")) {
  runSearchBench().catch(async (error) => {
    console.error(error);
    await Promise.all(running.map((s) => s.kill()));
    process.exit(1);
  });
}
