/**
 * The service graph and RED metrics from ingest to answer: traces sent through the Worker, flushed
 * by the shards on a driven clock, then read back through Jaeger's routes (shapes checked field by
 * field against Jaeger's MetricFamily and DependencyLink) and our own graph and service routes.
 */
import { describe, expect, it } from "vitest";
import { Aggregate, HOUR_MS, MINUTE_MS } from "../../worker/metrics/aggregate";
import { makeSpan, type JsonObject } from "../support/otlp-builders";
import { shardOf } from "../../worker/storage/shard-routing";
import { call, FUTURE, getJson, ingest, requestOf, settle, shard, shardSql, signUp, TestClock, traceIdOf, useClock, type Tenant } from "./helpers";

/** Spans start 5 minutes into the driven clock's hour, one trace a minute. */
const T0 = FUTURE + 5 * MINUTE_MS;
/** Shards a new tenant may use (its count may grow; a shard with no traffic has no rows). */
const SHARDS = 2;

let spanIds = 0x5000;
const nextSpanId = () => (spanIds++).toString(16).padStart(16, "0");
const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);

function span(traceId: string, name: string, kind: number, startMs: number, durationMs: number, extra: JsonObject = {}): JsonObject {
  return makeSpan({ traceId, spanId: nextSpanId(), name, kind, startTimeUnixNano: ns(startMs), endTimeUnixNano: String(BigInt(ns(startMs)) + BigInt(Math.round(durationMs * 1e6))), ...extra });
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * `count` HotROD-like requests, one a minute: frontend SERVER → frontend CLIENT → customer SERVER
 * (i + 1 ms; every other one failing) → a MySQL query nobody instruments; and from each, a message
 * to a queue consumed by `notification` in a trace of its own that links back to the producer.
 * Each service exports its own spans, as real services do.
 */
async function sendHotrod(tenant: Tenant, from: number, to: number) {
  for (let i = from; i < to; i++) {
    const at = T0 + i * MINUTE_MS;
    const trace = traceIdOf(0x600 + i);
    const root = span(trace, "GET /dispatch", 2, at, 20);
    const client = span(trace, "HTTP GET /customer", 3, at + 1, i + 1.5, { parentSpanId: root.spanId });
    const producer = span(trace, "send dispatch", 4, at + 15, 0.2, { parentSpanId: root.spanId, attributes: [str("messaging.system", "kafka"), str("messaging.destination.name", "dispatch")] });
    const server = span(trace, "GET /customer", 2, at + 1.2, i + 1, { parentSpanId: client.spanId, ...(i % 2 ? { status: { code: 2, message: "boom" } } : {}) });
    const query = span(trace, "SELECT customers", 3, at + 1.5, 0.5, { parentSpanId: server.spanId, attributes: [str("db.system", "mysql"), str("db.name", "customers")] });
    const consumerTrace = traceIdOf(0x700 + i);
    const consumer = span(consumerTrace, "receive dispatch", 5, at + 40, 3, { links: [{ traceId: trace, spanId: producer.spanId as string }] });
    for (const [spans, service] of [[[root, client, producer], "frontend"], [[server, query], "customer"], [[consumer], "notification"]] as const) {
      expect((await ingest(tenant, requestOf([...spans], service))).status).toBe(200);
    }
  }
}

async function flushAll(tenant: Tenant, clock: TestClock) {
  clock.advance(60_000);
  for (let n = 0; n < SHARDS; n++) await settle(shard(tenant, n));
}

async function tenantWithClock(): Promise<{ tenant: Tenant; clock: TestClock }> {
  const tenant = await signUp();
  const clock = new TestClock(T0 + 2 * HOUR_MS);
  for (let n = 0; n < SHARDS; n++) await useClock(shard(tenant, n), clock);
  return { tenant, clock };
}

interface MetricFamily {
  name: string;
  type: string;
  help: string;
  metrics: Array<{ labels: Array<{ name: string; value: string }>; metricPoints: Array<{ gaugeValue: { doubleValue: number }; timestamp: string }> }>;
}

const END = T0 + HOUR_MS;
const range = `endTs=${END}&lookback=${2 * HOUR_MS}`;

describe("service graph and RED metrics", async () => {
  const { tenant, clock } = await tenantWithClock();
  // Two flushes, so the same minute and hour rows are merged into, not only written.
  await sendHotrod(tenant, 0, 6);
  await flushAll(tenant, clock);
  await sendHotrod(tenant, 6, 10);
  await flushAll(tenant, clock);

  it("answers Jaeger's /api/dependencies with every call edge, virtual and async ones included", async () => {
    const { status, body } = await getJson<{ data: unknown[]; errors: unknown }>(tenant, `/api/dependencies?${range}`);
    expect(status).toBe(200);
    expect(body.data).toEqual([
      { parent: "customer", child: "mysql customers", callCount: 10 },
      { parent: "frontend", child: "customer", callCount: 10 },
      { parent: "frontend", child: "notification", callCount: 10 },
    ]);
    // Jaeger's `service` filter keeps the edges that touch it.
    const filtered = await getJson<{ data: Array<{ parent: string }> }>(tenant, `/api/dependencies?${range}&service=customer`);
    expect(filtered.body.data.map((l) => `${l.parent}`)).toEqual(["customer", "frontend"]);
    // A window before any traffic is empty, not an error.
    const before = await getJson<{ data: unknown[] }>(tenant, `/api/dependencies?endTs=${T0 - HOUR_MS}&lookback=${HOUR_MS}`);
    expect(before.body.data).toEqual([]);
  });

  it("answers /api/metrics/calls as Jaeger's MetricFamily: per-second rates over ratePer at each step", async () => {
    const endTs = T0 + 10 * MINUTE_MS;
    const { status, body } = await getJson<MetricFamily>(tenant, `/api/metrics/calls?service=customer&service=frontend&endTs=${endTs}&lookback=${10 * MINUTE_MS}&step=${5 * MINUTE_MS}&ratePer=${10 * MINUTE_MS}`);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["help", "metrics", "name", "type"]);
    expect(body).toMatchObject({ name: "service_call_rate", type: "GAUGE", help: "calls/sec, grouped by service" });
    const byService = new Map(body.metrics.map((m) => [m.labels.find((l) => l.name === "service_name")?.value, m]));
    expect([...byService.keys()].sort()).toEqual(["customer", "frontend"]);
    const customer = byService.get("customer");
    expect(customer?.labels).toEqual([{ name: "service_name", value: "customer" }]);
    // Points at T0, T0+5 min and T0+10 min: the 10 minutes before each hold 0, 5 and 10 requests
    // (no point where the window is empty, as Prometheus has no sample there).
    expect(customer?.metricPoints).toEqual([
      { gaugeValue: { doubleValue: Number((5 / 600).toPrecision(6)) }, timestamp: new Date(T0 + 5 * MINUTE_MS).toISOString() },
      { gaugeValue: { doubleValue: Number((10 / 600).toPrecision(6)) }, timestamp: new Date(endTs).toISOString() },
    ]);
  });

  it("answers /api/metrics/latencies and /errors, by service and by operation, within 1 % of the exact values", async () => {
    const q = `service=customer&endTs=${END}&lookback=${HOUR_MS}&step=${HOUR_MS}&ratePer=${2 * HOUR_MS}`;
    const p50 = await getJson<MetricFamily>(tenant, `/api/metrics/latencies?${q}&quantile=0.5`);
    expect(p50.body).toMatchObject({ name: "service_latencies", type: "GAUGE", help: "0.5th quantile latency, grouped by service" });
    // customer's SERVER spans took 1…10 ms: the median is 5 ms (Jaeger's latencies are in ms).
    const [median] = p50.body.metrics[0]?.metricPoints.slice(-1) ?? [];
    expect(Math.abs((median?.gaugeValue.doubleValue ?? 0) - 5) / 5).toBeLessThanOrEqual(0.01);
    const p100 = await getJson<MetricFamily>(tenant, `/api/metrics/latencies?${q}&quantile=1`);
    expect(Math.abs((p100.body.metrics[0]?.metricPoints.at(-1)?.gaugeValue.doubleValue ?? 0) - 10) / 10).toBeLessThanOrEqual(0.01);

    const errors = await getJson<MetricFamily>(tenant, `/api/metrics/errors?${q}&groupByOperation=true`);
    expect(errors.body).toMatchObject({ name: "service_operation_error_rate", type: "GAUGE", help: "error rate, computed as a fraction of errors/sec over calls/sec, grouped by service & operation" });
    expect(errors.body.metrics).toHaveLength(1);
    expect(errors.body.metrics[0]?.labels).toEqual([{ name: "operation", value: "GET /customer" }, { name: "service_name", value: "customer" }]);
    expect(errors.body.metrics[0]?.metricPoints.at(-1)?.gaugeValue.doubleValue).toBe(0.5);

    // spanKind picks which spans count: frontend's CLIENT and PRODUCER spans, not its SERVER ones.
    const clients = await getJson<MetricFamily>(tenant, `/api/metrics/calls?service=frontend&spanKind=client&spanKind=SPAN_KIND_PRODUCER&groupByOperation=true&endTs=${END}&lookback=${HOUR_MS}&step=${HOUR_MS}&ratePer=${2 * HOUR_MS}`);
    expect(clients.body.metrics.map((m) => m.labels[0]?.value).sort()).toEqual(["HTTP GET /customer", "send dispatch"]);
  });

  it("keeps each hour equal to the sum of its minutes", async () => {
    let shardsWithRows = 0;
    for (let n = 0; n < SHARDS; n++) {
      const rows = await shardSql<{ resolution: number; bucket: number; data: ArrayBuffer }>(shard(tenant, n), "SELECT resolution, bucket, data FROM metric_buckets ORDER BY bucket");
      if (rows.length === 0) continue;
      shardsWithRows++;
      const minutes = rows.filter((r) => r.resolution === MINUTE_MS);
      const hours = rows.filter((r) => r.resolution === HOUR_MS);
      expect(minutes.length).toBeGreaterThan(1);
      expect(hours.map((h) => h.bucket)).toEqual([FUTURE]);
      const sum = minutes.reduce((into, m) => into.merge(Aggregate.decode(new Uint8Array(m.data))), new Aggregate());
      expect(canonical(Aggregate.decode(new Uint8Array(hours[0]?.data ?? new ArrayBuffer(0))))).toEqual(canonical(sum));
    }
    expect(shardsWithRows).toBeGreaterThan(0);
    // Rows are per bucket per flush: ten requests a minute apart make at most ten minute rows per shard.
    const [count] = await shardSql<{ n: number }>(shard(tenant, 0), "SELECT count(*) AS n FROM metric_buckets WHERE resolution = ?", MINUTE_MS);
    expect(count?.n).toBeLessThanOrEqual(10);
  });

  it("answers /api/graph with typed nodes and edges carrying calls, errors, latency and the async flag", async () => {
    const { status, body } = await getJson<{ resolution: number; nodes: JsonObject[]; edges: JsonObject[] }>(tenant, `/api/graph?start=${FUTURE}&end=${END}`);
    expect(status).toBe(200);
    expect(body.resolution).toBe(MINUTE_MS);
    expect(body.nodes).toEqual([
      { id: "customer", type: "service", calls: 10, errors: 5, entries: 0 },
      { id: "frontend", type: "service", calls: 10, errors: 0, entries: 10 },
      { id: "mysql customers", type: "database", calls: 10, errors: 0, entries: 0 },
      { id: "notification", type: "service", calls: 10, errors: 0, entries: 0 },
    ]);
    const edges = new Map(body.edges.map((e) => [`${e.parent}>${e.child}`, e]));
    expect(edges.get("frontend>customer")).toMatchObject({ childType: "service", async: false, calls: 10, errors: 5 });
    expect(edges.get("frontend>notification")).toMatchObject({ childType: "service", async: true, calls: 10, errors: 0 });
    expect(edges.get("customer>mysql customers")).toMatchObject({ childType: "database", async: false, calls: 10 });
    // The caller's view of the call: frontend's client spans took 1.5…10.5 ms.
    const p50 = edges.get("frontend>customer")?.p50 as number;
    expect(Math.abs(p50 - 5.5) / 5.5).toBeLessThanOrEqual(0.01);
  });

  it("totals a range to the minute: whole hours from hour rows, the partial hours at either end from minutes", async () => {
    const calls = async (start: number, end: number) => {
      const { body } = await getJson<{ edges: JsonObject[] }>(tenant, `/api/graph?start=${start}&end=${end}`);
      const deps = await getJson<{ data: Array<{ parent: string; child: string; callCount: number }> }>(tenant, `/api/dependencies?endTs=${end}&lookback=${end - start}`);
      const fromDeps = deps.body.data.find((l) => l.parent === "frontend" && l.child === "customer")?.callCount ?? 0;
      const fromGraph = (body.edges.find((e) => e.parent === "frontend" && e.child === "customer")?.calls as number | undefined) ?? 0;
      expect(fromDeps).toBe(fromGraph);
      return fromGraph;
    };
    // The hour holding all ten requests, read as one hour row, with empty minutes either side.
    expect(await calls(FUTURE - 30 * MINUTE_MS, FUTURE + 90 * MINUTE_MS)).toBe(10);
    // From the fourth request on: minutes up to the next hour, then an (empty) hour.
    expect(await calls(T0 + 3 * MINUTE_MS, FUTURE + 2 * HOUR_MS)).toBe(7);
    // An (empty) hour, then the minutes of the first three requests.
    expect(await calls(FUTURE - HOUR_MS, T0 + 3 * MINUTE_MS)).toBe(3);
  });

  it("answers /api/services/{service}/metrics with a series per step and operations ranked by impact", async () => {
    const { status, body } = await getJson<{ series: JsonObject[]; operations: JsonObject[] }>(tenant, `/api/services/customer/metrics?start=${FUTURE}&end=${FUTURE + HOUR_MS}&step=${15 * MINUTE_MS}`);
    expect(status).toBe(200);
    expect(body.series.map((p) => p.calls)).toEqual([10, 0, 0, 0]);
    expect(body.series[0]).toMatchObject({ t: FUTURE, calls: 10, errors: 5, errorRate: 0.5 });
    expect(body.operations).toEqual([expect.objectContaining({ name: "GET /customer", kind: 2, calls: 10, errors: 5, errorRate: 0.5 })]);
    // An unknown service has an empty series, not an error.
    const unknown = await getJson<{ series: JsonObject[]; operations: JsonObject[] }>(tenant, `/api/services/nobody/metrics?start=${FUTURE}&end=${FUTURE + HOUR_MS}`);
    expect(unknown.status).toBe(200);
    expect(unknown.body.operations).toEqual([]);
  });

  it("answers /api/metrics/minstep with the bucket width", async () => {
    expect((await getJson(tenant, "/api/metrics/minstep")).body).toMatchObject({ data: MINUTE_MS });
  });

  it("counts the rows and bytes the aggregation costs in the tenant's usage, a few rows a flush, not one a span", async () => {
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    const { body } = await getJson<{ days: Array<{ spansAppended: number; metricRowsWritten: number; objectRowsWritten: number }>; stored: { metricMinuteBytes: number; metricHourBytes: number } }>(tenant, `/api/usage?from=${day(FUTURE - 86_400_000)}&to=${day(FUTURE + 86_400_000)}`);
    const sum = (key: "spansAppended" | "metricRowsWritten" | "objectRowsWritten") => body.days.reduce((n, d) => n + d[key], 0);
    expect(sum("metricRowsWritten")).toBeGreaterThan(0);
    expect(sum("metricRowsWritten")).toBeLessThanOrEqual(sum("objectRowsWritten"));
    expect(sum("metricRowsWritten")).toBeLessThan(sum("spansAppended"));
    expect(body.stored.metricMinuteBytes).toBeGreaterThan(0);
    expect(body.stored.metricHourBytes).toBeGreaterThan(0);
  });

  it("never shows one tenant another's graph or metrics", async () => {
    const { tenant: other, clock: otherClock } = await tenantWithClock();
    await flushAll(other, otherClock);
    expect((await getJson<{ data: unknown[] }>(other, `/api/dependencies?${range}`)).body.data).toEqual([]);
    expect((await getJson<MetricFamily>(other, `/api/metrics/calls?service=frontend&${range}`)).body.metrics).toEqual([]);
    expect((await getJson<{ nodes: unknown[] }>(other, `/api/graph?start=${FUTURE}&end=${END}`)).body.nodes).toEqual([]);
    expect((await getJson<{ operations: unknown[] }>(other, `/api/services/frontend/metrics?start=${FUTURE}&end=${END}`)).body.operations).toEqual([]);
  });

  it("refuses malformed parameters with a 400 that says which, and unauthenticated calls with a 401", async () => {
    const cases: Array<[string, RegExp]> = [
      [`/api/metrics/latencies?service=a&${range}`, /quantile/],
      [`/api/metrics/latencies?service=a&quantile=2`, /quantile/],
      [`/api/metrics/calls?${range}`, /service/],
      [`/api/metrics/calls?service=a&spanKind=sideways`, /spanKind/],
      [`/api/metrics/calls?service=a&groupByOperation=maybe`, /groupByOperation/],
      [`/api/metrics/calls?service=a&step=0`, /step/],
      [`/api/metrics/calls?service=a&lookback=${200 * 86_400_000}`, /lookback/],
      [`/api/metrics/throughput?service=a`, /metric/],
      [`/api/dependencies?endTs=yesterday`, /endTs/],
      [`/api/graph?start=${END}&end=${FUTURE}`, /start/],
    ];
    for (const [path, reason] of cases) {
      const { status, body } = await getJson<{ errors: Array<{ code: number; msg: string }> }>(tenant, path);
      expect(status, path).toBe(400);
      expect(body.errors[0]?.msg, path).toMatch(reason);
    }
    for (const path of ["/api/dependencies", "/api/metrics/calls?service=a", "/api/graph", "/api/services/a/metrics"]) {
      expect((await call(path)).status, path).toBe(401);
    }
  });
});

describe("pairing messages over time and across shards", () => {
  it("pairs a producer with the consumer that links to it minutes later in another shard's trace, and settles lone ones when their window ends", async () => {
    const tenant = await signUp();
    const shards = 4;
    const admin = await call(`/admin/tenants/${tenant.tenantId}/shards`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: "Bearer workers-test-admin-token" },
      body: JSON.stringify({ shards }),
    });
    expect(admin.status).toBe(200);
    const clock = new TestClock(T0 + 2 * HOUR_MS);
    for (let n = 0; n < shards; n++) await useClock(shard(tenant, n), clock);
    // Producer traces and consumer traces chosen to live in different shards.
    const pairs: Array<[string, string]> = [];
    for (let i = 0; pairs.length < 3; i++) {
      const producerTrace = traceIdOf(0xa00 + i);
      const consumerTrace = traceIdOf(0xb00 + i);
      if (shardOf(tenant.tenantId, producerTrace, shards) !== shardOf(tenant.tenantId, consumerTrace, shards)) pairs.push([producerTrace, consumerTrace]);
    }
    const settleAll = async () => {
      for (let n = 0; n < shards; n++) await settle(shard(tenant, n));
    };
    const producers = pairs.map(([trace], i) => span(trace, "publish", 4, T0 + i * 1000, 1, { attributes: [str("messaging.system", "kafka"), str("messaging.destination.name", "orders")] }));
    const lone = span(traceIdOf(0xc00), "publish", 4, T0, 1, { attributes: [str("messaging.system", "kafka"), str("messaging.destination.name", "audit")] });
    for (const p of [...producers, lone]) expect((await ingest(tenant, requestOf([p], "shop"))).status).toBe(200);
    clock.advance(60_000);
    await settleAll();
    const links = async () => (await getJson<{ data: Array<{ parent: string; child: string; callCount: number }> }>(tenant, `/api/dependencies?${range}`)).body.data;
    // Flushed, but no consumer yet: nothing is drawn for the messages while they may still be read.
    expect(await links()).toEqual([]);
    // A minute later the messages are read, each by a trace of its own that links to its producer.
    clock.advance(60_000);
    for (const [i, [, consumerTrace]] of pairs.entries()) {
      const consumer = span(consumerTrace, "consume orders", 5, T0 + 60_000 + i * 1000, 2, { links: [{ traceId: producers[i]?.traceId as string, spanId: producers[i]?.spanId as string }] });
      expect((await ingest(tenant, requestOf([consumer], "billing"))).status).toBe(200);
    }
    clock.advance(60_000);
    await settleAll();
    await settleAll();
    expect(await links()).toEqual([{ parent: "shop", child: "billing", callCount: 3 }]);
    // The lone message's window ends: it is drawn as a call to its queue, once.
    clock.advance(5 * 60_000);
    await settleAll();
    await settleAll();
    expect(await links()).toEqual([
      { parent: "shop", child: "billing", callCount: 3 },
      { parent: "shop", child: "kafka audit", callCount: 1 },
    ]);
    const graph = (await getJson<{ edges: Array<{ child: string; async: boolean; childType: string }> }>(tenant, `/api/graph?start=${FUTURE}&end=${END}`)).body;
    expect(graph.edges.map((e) => `${e.child} ${e.childType}${e.async ? " async" : ""}`).sort()).toEqual(["billing service async", "kafka audit queue async"]);
    for (let n = 0; n < shards; n++) expect(await shardSql(shard(tenant, n), "SELECT id FROM held_spans")).toEqual([]);
  });
});

describe("POST /api/transform", () => {
  it("turns OTLP/JSON into Jaeger's trace JSON, one trace per trace id, storing nothing", async () => {
    const tenant = await signUp();
    const a = traceIdOf(0x900);
    const b = traceIdOf(0x901);
    const root = span(a, "root", 2, T0, 5);
    const spans = [root, span(a, "child", 3, T0 + 1, 2, { parentSpanId: root.spanId }), span(b, "other", 2, T0, 1)];
    const response = await call("/api/transform", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.readKey}` }, body: JSON.stringify(requestOf(spans, "uploaded")) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<{ traceID: string; spans: Array<{ operationName: string; references: unknown[] }>; processes: Record<string, { serviceName: string }> }> };
    expect(body.data.map((t) => t.traceID).sort()).toEqual([a, b]);
    const first = body.data.find((t) => t.traceID === a);
    expect(first?.spans.map((s) => s.operationName).sort()).toEqual(["child", "root"]);
    expect(Object.values(first?.processes ?? {}).map((p) => p.serviceName)).toEqual(["uploaded"]);
    // Nothing was stored.
    expect((await call(`/api/traces/${a}`, { headers: { authorization: `Bearer ${tenant.readKey}` } })).status).toBe(404);
  });

  it("answers malformed JSON with a 400 and a reason", async () => {
    const tenant = await signUp();
    const response = await call("/api/transform", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.readKey}` }, body: "{not json" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ msg: string }> }).errors[0]?.msg).toBeTruthy();
  });
});

/** An Aggregate as plain data, independent of insertion order. */
function canonical(aggregate: Aggregate) {
  const stats = (map: Aggregate["operations"]) =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, s]) => ({ key, calls: s.calls, errors: s.errors, count: s.latency.count, p50: s.latency.quantile(0.5), p99: s.latency.quantile(0.99) }));
  return { operations: stats(aggregate.operations), edges: stats(aggregate.edges), entries: [...aggregate.entries.entries()].sort(), folded: aggregate.folded };
}
