/**
 * Tail sampling and usage from ingest to answer: traces sent through the Worker, flushed by the
 * tenant's shard on a driven clock, then read back by id, by search, in the graph and RED metrics,
 * and in GET /api/usage — before and after the object is evicted.
 *
 * Every test trace is one request through two services:
 *
 *   api  SERVER "GET /"          (root)
 *   └─ api  CLIENT "call db"
 *      └─ db   SERVER "query" | "slow query"   (ERROR in the failing traces)
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inShare } from "../../worker/sampling/tail-decision";
import { MAX_SPAN_BYTES } from "../../worker/storage/shard-protocol";
import type { TailPolicy } from "../../worker/sampling/tail-policy";
import type { UsageAnswer } from "../../worker/storage/usage";
import { makeRequest, makeSpan, type JsonObject } from "../support/otlp-builders";
import { call, FUTURE, getJson, ingest, ingestJson, settle, shard, shardSql, signUp, TestClock, traceIdOf, traceSpanIds, useClock, type Tenant } from "./helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Traces start 5 minutes into the driven clock's hour, 1 ms apart. */
const T0 = FUTURE + 5 * MINUTE;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);

const POLICY: TailPolicy = { keepErrors: true, slowerThanMs: 500, slowerThan: [{ service: "db", operation: "slow query", ms: 100 }], keepPercent: 20 };

let spanIds = 0x9_0000;
const nextSpanId = () => (spanIds++).toString(16).padStart(16, "0");

interface TraceShape {
  rootMs?: number;
  dbMs?: number;
  dbName?: string;
  error?: boolean;
}

/** The api and db spans of one trace starting at `at` ms (see the sketch above). */
function traceSpans(traceId: string, at: number, shape: TraceShape = {}): { api: JsonObject[]; db: JsonObject[] } {
  const rootMs = shape.rootMs ?? 20;
  const dbMs = shape.dbMs ?? 5;
  const span = (name: string, kind: number, start: number, ms: number, extra: JsonObject = {}) =>
    makeSpan({ traceId, spanId: nextSpanId(), name, kind, startTimeUnixNano: ns(start), endTimeUnixNano: ns(start + ms), ...extra });
  const root = span("GET /", 2, at, rootMs);
  const client = span("call db", 3, at + 1, Math.min(rootMs - 2, dbMs + 1), { parentSpanId: root.spanId });
  const db = span(shape.dbName ?? "query", 2, at + 1.2, dbMs, { parentSpanId: client.spanId, ...(shape.error ? { status: { code: 2, message: "boom" } } : {}) });
  return { api: [root, client], db: [db] };
}

const resource = (service: string) => ({ resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] } });

/** Sends traces in requests of 100, each service's spans in a request of its own. */
async function send(tenant: Tenant, traces: Array<{ traceId: string; at: number; shape?: TraceShape }>): Promise<number> {
  let spans = 0;
  for (let i = 0; i < traces.length; i += 100) {
    const batch = traces.slice(i, i + 100).map((t) => traceSpans(t.traceId, t.at, t.shape));
    for (const service of ["api", "db"] as const) {
      const part = batch.flatMap((t) => t[service]);
      expect((await ingest(tenant, makeRequest(part, resource(service)))).status).toBe(200);
      spans += part.length;
    }
  }
  return spans;
}

/** A tenant whose tail policy is `tail`, set as its users set it (PUT /api/sampling). */
async function tenantWithPolicy(tail: TailPolicy | null): Promise<{ tenant: Tenant; clock: TestClock }> {
  const tenant = await signUp();
  if (tail) {
    const response = await call("/api/sampling", { method: "PUT", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify({ tail }) });
    expect(response.status).toBe(200);
  }
  const clock = new TestClock(T0 + 2 * HOUR);
  await useClock(shard(tenant), clock);
  return { tenant, clock };
}

async function flush(tenant: Tenant, clock: TestClock): Promise<void> {
  clock.advance(MINUTE);
  await settle(shard(tenant));
}

async function usage(tenant: Tenant): Promise<UsageAnswer> {
  const { status, body } = await getJson<UsageAnswer>(tenant, `/api/usage?from=${day(FUTURE - 86_400_000)}&to=${day(FUTURE + 86_400_000)}`);
  expect(status).toBe(200);
  return body;
}

const total = (answer: UsageAnswer, key: Exclude<keyof UsageAnswer["days"][number], "day">) => answer.days.reduce((n, d) => n + d[key], 0);

/** Trace ids found by a Jaeger v1 search over the test's hour. */
async function searchIds(tenant: Tenant, service: string): Promise<Set<string>> {
  const start = (T0 - MINUTE) * 1000;
  const end = (T0 + HOUR) * 1000;
  const { status, body } = await getJson<{ data: Array<{ traceID: string }> }>(tenant, `/api/traces?service=${service}&start=${start}&end=${end}&limit=1500`);
  expect(status).toBe(200);
  return new Set(body.data.map((t) => t.traceID));
}

describe("tail sampling", async () => {
  const { tenant, clock } = await tenantWithPolicy(POLICY);
  // 1,000 fast traces without errors: only the share keeps them.
  const fast = Array.from({ length: 1_000 }, (_, i) => ({ traceId: traceIdOf(0x1_0000 + i), at: T0 + i }));
  const failing = Array.from({ length: 20 }, (_, i) => ({ traceId: traceIdOf(0x2_0000 + i), at: T0 + 2_000 + i, shape: { error: true } }));
  // Exactly at the threshold: kept.
  const slow = Array.from({ length: 20 }, (_, i) => ({ traceId: traceIdOf(0x3_0000 + i), at: T0 + 3_000 + i, shape: { rootMs: 500, dbMs: 5 } }));
  // A rule for db's "slow query" at 100 ms: kept; db's other operation as slow: not by that rule.
  const slowQuery = Array.from({ length: 10 }, (_, i) => ({ traceId: traceIdOf(0x4_0000 + i), at: T0 + 4_000 + i, shape: { rootMs: 150, dbMs: 100, dbName: "slow query" } }));
  const slowOther = Array.from({ length: 30 }, (_, i) => ({ traceId: traceIdOf(0x5_0000 + i), at: T0 + 5_000 + i, shape: { rootMs: 150, dbMs: 140 } }));
  const all = [...fast, ...failing, ...slow, ...slowQuery, ...slowOther];
  const sentSpans = await send(tenant, all);
  await flush(tenant, clock);

  const byShare = (list: Array<{ traceId: string }>) => list.filter((t) => inShare(t.traceId, POLICY.keepPercent));
  const keptFast = byShare(fast);

  it("reaches the shard with the tenant's policy", async () => {
    const rows = await shardSql<{ value: string }>(shard(tenant), "SELECT value FROM meta WHERE key = 'tail'");
    expect(JSON.parse(rows[0]?.value ?? "null")).toEqual(POLICY);
  });

  it("keeps the configured share of fast traces without errors: 20 % of 1,000 within 3 standard deviations, the same ones search and lookup find", async () => {
    const sigma = Math.sqrt(1_000 * 0.2 * 0.8);
    expect(Math.abs(keptFast.length - 200)).toBeLessThanOrEqual(3 * sigma);
    const found = await searchIds(tenant, "api");
    const fastFound = fast.filter((t) => found.has(t.traceId));
    expect(fastFound.map((t) => t.traceId)).toEqual(keptFast.map((t) => t.traceId));
    // By id: kept traces whole, dropped ones gone (a sample of each).
    const dropped = fast.filter((t) => !inShare(t.traceId, POLICY.keepPercent));
    for (const t of keptFast.slice(0, 15)) expect((await traceSpanIds(tenant, t.traceId))?.size).toBe(3);
    for (const t of dropped.slice(0, 15)) expect(await traceSpanIds(tenant, t.traceId)).toBeNull();
  });

  it("keeps every trace with an error, every trace at least slowerThanMs long, and every trace a service rule finds slow", async () => {
    const found = await searchIds(tenant, "api");
    for (const t of [...failing, ...slow, ...slowQuery]) expect(found.has(t.traceId)).toBe(true);
    for (const t of failing.slice(0, 5)) expect((await traceSpanIds(tenant, t.traceId))?.size).toBe(3);
    // The rule names "slow query": db's other operation, slower still, is left to the share.
    expect(slowOther.filter((t) => found.has(t.traceId)).map((t) => t.traceId)).toEqual(byShare(slowOther).map((t) => t.traceId));
  });

  it("still counts dropped traces in the dependency graph and the RED metrics", async () => {
    const { body: deps } = await getJson<{ data: Array<{ parent: string; child: string; callCount: number }> }>(tenant, `/api/dependencies?endTs=${T0 + HOUR}&lookback=${2 * HOUR}`);
    expect(deps.data).toEqual([{ parent: "api", child: "db", callCount: all.length }]);
    const { body: metrics } = await getJson<{ operations: Array<{ name: string; calls: number; errors: number }> }>(tenant, `/api/services/db/metrics?start=${T0 - MINUTE}&end=${T0 + HOUR}`);
    const calls = metrics.operations.reduce((n, op) => n + op.calls, 0);
    expect(calls).toBe(all.length);
    expect(metrics.operations.reduce((n, op) => n + op.errors, 0)).toBe(failing.length);
  });

  it("counts what it dropped, per day, beside what was accepted — and the counts survive an evicted object", async () => {
    const kept = keptFast.length + failing.length + slow.length + slowQuery.length + byShare(slowOther).length;
    const droppedTraces = all.length - kept;
    const before = await usage(tenant);
    expect(total(before, "spansAppended")).toBe(sentSpans);
    expect(total(before, "bytesAppended")).toBeGreaterThan(0);
    expect(total(before, "tracesDropped")).toBe(droppedTraces);
    expect(total(before, "spansDropped")).toBe(droppedTraces * 3);
    expect(total(before, "bytesDropped")).toBeGreaterThan(0);
    expect(total(before, "tracesCompleted")).toBe(kept);
    expect(before.stored.traces).toBe(kept);
    expect(before.stored.spans).toBe(kept * 3);
    // Dropped traces cost no R2 bytes, and deciding costs no row a trace: the flush wrote a few rows.
    expect(before.stored.rawBytes).toBeLessThan(total(before, "bytesAppended") - total(before, "bytesDropped") * 0.9);
    expect(total(before, "objectRowsWritten")).toBeLessThan(100);

    await evictDurableObject(shard(tenant));
    const after = await usage(tenant);
    for (const key of ["spansAppended", "bytesAppended", "tracesDropped", "spansDropped", "bytesDropped"] as const) expect(total(after, key)).toBe(total(before, key));
  });

  it("samples by the stored policy in a flush after a restart, with no call from the Worker in between", async () => {
    const more = Array.from({ length: 200 }, (_, i) => ({ traceId: traceIdOf(0x6_0000 + i), at: T0 + 6_000 + i }));
    await send(tenant, more);
    const before = await usage(tenant);
    await evictDurableObject(shard(tenant));
    await useClock(shard(tenant), clock);
    await flush(tenant, clock);
    const found = await searchIds(tenant, "api");
    expect(more.filter((t) => found.has(t.traceId)).map((t) => t.traceId)).toEqual(byShare(more).map((t) => t.traceId));
    const after = await usage(tenant);
    expect(total(after, "tracesDropped") - total(before, "tracesDropped")).toBe(more.length - byShare(more).length);
  });

  it("keeps the later segments of a trace a rule kept, and cannot bring back a segment it dropped", async () => {
    const unshared = (from: number) => {
      for (let n = from; ; n++) if (!inShare(traceIdOf(n), POLICY.keepPercent)) return traceIdOf(n);
    };
    const keptEarly = unshared(0x7_0000);
    const errorLate = unshared(0x7_1000);
    // First segments: one with an error (kept), one without (dropped).
    await send(tenant, [{ traceId: keptEarly, at: T0 + 7_000, shape: { error: true } }, { traceId: errorLate, at: T0 + 7_001 }]);
    await flush(tenant, clock);
    // Late spans of each: OK ones for the first, a failing one for the second.
    await send(tenant, [{ traceId: keptEarly, at: T0 + 7_100 }, { traceId: errorLate, at: T0 + 7_101, shape: { error: true } }]);
    await flush(tenant, clock);
    expect((await traceSpanIds(tenant, keptEarly))?.size).toBe(6);
    expect((await traceSpanIds(tenant, errorLate))?.size).toBe(3);
  });
});

describe("the default policy", () => {
  it("keeps every trace, decides nothing and writes no sampling row", async () => {
    const { tenant, clock } = await tenantWithPolicy(null);
    const traces = Array.from({ length: 100 }, (_, i) => ({ traceId: traceIdOf(0x8_0000 + i), at: T0 + i }));
    const spans = await send(tenant, traces);
    await flush(tenant, clock);
    const found = await searchIds(tenant, "api");
    expect(traces.every((t) => found.has(t.traceId))).toBe(true);
    const answer = await usage(tenant);
    expect(total(answer, "spansAppended")).toBe(spans);
    expect(total(answer, "tracesDropped")).toBe(0);
    expect(total(answer, "spansDropped")).toBe(0);
    expect(await shardSql(shard(tenant), "SELECT key FROM meta WHERE key IN ('tail', 'tail_kept')")).toEqual([]);
  });
});

describe("GET /api/usage", () => {
  it("adds up to what was sent, by reason: accepted, invalid, too large, dropped", async () => {
    const { tenant, clock } = await tenantWithPolicy({ ...POLICY, keepErrors: false, slowerThanMs: null, slowerThan: [], keepPercent: 0 });
    const traces = Array.from({ length: 50 }, (_, i) => ({ traceId: traceIdOf(0x9_0000 + i), at: T0 + i }));
    const accepted = await send(tenant, traces);
    // Two spans with a malformed trace id: refused through OTLP partial success, counted by the limiter.
    const bad = [makeSpan({ traceId: "not-hex", spanId: nextSpanId() }), makeSpan({ traceId: "", spanId: nextSpanId() })];
    const invalid = await ingestJson(tenant, makeRequest(bad, resource("api")));
    expect(invalid.status).toBe(200);
    expect((invalid.body.partialSuccess as { rejectedSpans?: string } | undefined)?.rejectedSpans).toBe("2");
    // A span larger than a row can hold: refused by the Worker, counted by a shard.
    const huge = makeSpan({ traceId: traceIdOf(0x9_1000), spanId: nextSpanId(), attributes: [{ key: "blob", value: { stringValue: "x".repeat(MAX_SPAN_BYTES + 10) } }] });
    const tooLarge = await ingest(tenant, makeRequest([huge], resource("api")));
    expect(tooLarge.status).toBe(200);
    await flush(tenant, clock);

    // The shard's days follow its driven clock, years ahead; the limiter counts by today.
    const body = await usage(tenant);
    expect(total(body, "spansAppended")).toBe(accepted);
    expect(total(body, "spansDropped")).toBe(accepted);
    expect(total(body, "tracesDropped")).toBe(traces.length);
    expect(total(body, "spansRefused")).toBe(1);
    // Every trace dropped: no block was written.
    expect(body.stored.blocks).toBe(0);
    const today = day(Date.now());
    const { body: now } = await getJson<UsageAnswer>(tenant, `/api/usage?from=${today}&to=${today}`);
    expect(now.days).toHaveLength(1);
    expect(now.days[0]).toMatchObject({ day: today, spansInvalid: 2, spansOverLimit: 0, spansOverQuota: 0 });
  });

  it("answers every day of the range, the plan's quota and this month's use", async () => {
    const tenant = await signUp();
    const now = Date.now();
    const sent = await send(tenant, [{ traceId: traceIdOf(0xa_0000), at: now }]);
    const from = day(now - 6 * 86_400_000);
    const { status, body } = await getJson<UsageAnswer>(tenant, `/api/usage?from=${from}&to=${day(now)}`);
    expect(status).toBe(200);
    expect(body.days.map((d) => d.day)).toHaveLength(7);
    expect(body.days[0]?.day).toBe(from);
    expect(body.days.at(-1)?.spansAppended).toBe(sent);
    expect(body.quota).toEqual({ plan: "free", spansPerMonth: 100_000_000, usedThisMonth: sent, month: day(now).slice(0, 7) });
  });

  it.each([
    ["from=2026-02-30&to=2026-03-01", "from"],
    ["from=2026-11-01&to=yesterday", "to"],
    ["from=2026-11-02&to=2026-11-01", "from"],
    ["from=2024-01-01&to=2026-01-01", "from"],
  ])("refuses %s with 400 naming the field", async (query, field) => {
    const tenant = await signUp();
    const { status, body } = await getJson<{ error: { field?: string; message: string } }>(tenant, `/api/usage?${query}`);
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain(field);
  });
});
