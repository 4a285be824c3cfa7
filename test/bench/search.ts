/**
 * `npm run bench`, part 5 — trace search at scale.
 *
 * 1. Ingest BENCH_SEARCH_SPANS (default 1,000,000) HotROD spans for one tenant — made by the real
 *    OTel SDK, 512 a batch, several connections, start times spread over the last 50 minutes — and
 *    wait until every trace is written to R2 and compacted.
 * 2. Restart the server (a cold isolate), then time, through the public API with a read key:
 *    trace by id, and attribute searches from rare to common (Jaeger UI's defaults: lookback 1 h,
 *    limit 20). Each query uses a different value, so no answer is served twice. The bare HTTP
 *    round trip to the Worker is the baseline.
 */
import { rmSync } from "node:fs";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { CollectingSpanProcessor, collectHotrodSpans, createHotrodProviders, hotrodTraffic } from "../demo/traffic.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { BENCH_VARS, percentile, signUpBench, waitForRest } from "./api.ts";

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
  let server = await start({ vars: BENCH_VARS });
  const tenant = await signUpBench(server.url, "search-bench");
  const now = Date.now();
  const ingest = await ingestHotrod(server.url, tenant.ingestKey, now);
  const completeStarted = performance.now();
  await waitForRest(server.url, tenant, { compacted: true, timeoutMs: 600_000 });
  console.log(
    `ingest: ${ingest.spans.toLocaleString("en-US")} spans (${ingest.requests.toLocaleString("en-US")} HotROD requests) in ${(ingest.seconds).toFixed(1)} s ` +
      `(${Math.round(ingest.spans / ingest.seconds).toLocaleString("en-US")} spans/s incl. generating them), all complete ${((performance.now() - completeStarted) / 1000).toFixed(1)} s later`,
  );

  // A fresh isolate: nothing of the index cached.
  const stateDir = server.stateDir;
  await stop(server);
  server = await start({ stateDir, vars: BENCH_VARS });
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

  const nul: number[] = [];
  for (let i = 0; i < 50; i++) nul.push((await timedGet(`${server.url}/healthz`, "")).ms);
  const stored = ((await timedGet(`${server.url}/api/usage`, tenant.readKey)).body as { stored: { blocks: number; traces: number; spans: number; r2Bytes: number } }).stored;
  await stop(server);
  // A million spans take ~100 MB of local state: do not leave it in the temp folder.
  rmSync(stateDir, { recursive: true, force: true });

  const p50 = (list: number[]) => percentile(list, 0.5);
  console.log(`\nquery latency, client-side through wrangler dev (p50 / p90 ms; bare HTTP round trip to the Worker: ${p50(nul).toFixed(1)} ms)`);
  console.log(row("trace by id  GET /api/traces/{id}", byId, "target p50 ≤ 20 ms"));
  console.log(`  attribute search  GET /api/traces (limit 20, lookback 1 h over ${stored.blocks} compacted blocks, ${Number(stored.traces).toLocaleString("en-US")} traces)  target p50 ≤ 300 ms`);
  console.log(`    cold isolate, first query (unique value): ${cold.ms.toFixed(0)} ms  [${cold.stats}]`);
  for (const { name, runs } of searchResults) {
    console.log(row(`  ${name}`, runs.map((r) => r.ms), `[${runs[Math.floor(runs.length / 2)]?.stats ?? ""}] ${Math.round(median(runs.map((r) => r.traces)))} traces`));
  }
  console.log("    [blocks = blocks the shards' manifests offered after their filters; visited = blocks judged; judged = trace entries checked; read = traces fetched, results included]");
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

async function timedGet(url: string, key: string): Promise<{ ms: number; body: unknown; stats: string; traces: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok && response.status !== 404) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data?: unknown };
  return { ms, body, stats: response.headers.get("x-edgetrace-search") ?? "", traces: Array.isArray(body.data) ? body.data.length : 0 };
}

async function start(options: { stateDir?: string; vars?: Record<string, string> }): Promise<RunningServer> {
  const server = await startServer(options);
  running.push(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  await server.stop();
  running.splice(running.indexOf(server), 1);
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
