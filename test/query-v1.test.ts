/**
 * Jaeger query API v1 against the real product (wrangler dev): services, operations, search with
 * every parameter and special tag key, per-span semantics, multi-id fetch, adjustments and errors.
 *
 * Six traces, T0 = ten minutes ago (times in ms after each trace's start):
 *
 *   W @T0−5s  inventory warm cache      INTERNAL 0–10   (A links to it)
 *   A @T0     checkout GET /checkout   SERVER   0–100  http.status_code=200 user.id=u-1, event {cart.size=2}
 *             ├ checkout SELECT orders CLIENT  10–60   db.system=postgresql, ERROR, link {link.reason=warm cache}
 *             └ billing  charge        SERVER  65–95   payment.method=card
 *   B @T0+1s  checkout GET /checkout   SERVER   0–20   http.status_code=500 user.id=u-2, ERROR
 *   C @T0+2s  inventory reindex        INTERNAL 0–5    db.system=redis
 *   D @T0+3s  checkout GET /skewed     SERVER   0–100
 *             ├ billing charge late    SERVER  −50–−15 (host b's clock is behind: adjusted into its parent)
 *             └ checkout lost child    INTERNAL 20–30  (its parent span never arrives: an orphan)
 *   E @T0+4s  legacy (hand-built OTLP JSON, scope zipkin-bridge 0.9 {scope.team=payments})
 *             client 00…aa CLIENT 0–50 ─ server 00…aa SERVER 10–40 (a Zipkin shared span id) ─ work 20–30
 *
 * checkout runs on host a, billing on host b, inventory on host c; checkout's resource has
 * deployment.environment=prod.
 */
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { expandTrace, isCompactTrace, type CompactTrace } from "../worker/jaeger/v1-compact";
import type { JaegerEnvelope, JaegerOperation, JaegerSpan, JaegerTrace } from "../worker/jaeger/v1-types";
import { exportSpans, exportSucceeded, memoryProvider } from "./support/otel";
import { getJson, signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");
let tenant: TestTenant;
const T0 = Date.now() - 10 * 60_000;
const ids = { W: "", A: "", B: "", C: "", D: "", E: "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0" };
/** A window around all six traces, in µs. */
const WINDOW = `start=${(T0 - 60_000) * 1000}&end=${(T0 + 60_000) * 1000}`;

beforeAll(async () => {
  tenant = await signUp(url, "Query v1 org");
  await sendFixture();
  await waitUntilStored();
});

async function sendFixture() {
  const checkout = memoryProvider({ "service.name": "checkout", "host.name": "a", "deployment.environment": "prod" });
  const billing = memoryProvider({ "service.name": "billing", "host.name": "b" });
  const inventory = memoryProvider({ "service.name": "inventory", "host.name": "c" });
  const http = checkout.provider.getTracer("shop.http", "1.2.0");
  const pay = billing.provider.getTracer("shop.billing", "3.1.0");
  const jobs = inventory.provider.getTracer("jobs");
  const child = (tracer: Tracer, parent: ReturnType<Tracer["startSpan"]>, name: string, start: number, end: number, options: Parameters<Tracer["startSpan"]>[1] = {}) => {
    const span = tracer.startSpan(name, { ...options, startTime: start }, trace.setSpan(context.active(), parent));
    return { span, end: () => span.end(end) };
  };

  // A
  const a = http.startSpan("GET /checkout", { kind: SpanKind.SERVER, startTime: T0, attributes: { "http.status_code": 200, "user.id": "u-1" } });
  a.addEvent("cart loaded", { "cart.size": 2 }, T0 + 1);
  const warm = jobs.startSpan("warm cache", { startTime: T0 - 5_000 });
  warm.end(T0 - 4_990);
  ids.W = warm.spanContext().traceId;
  const select = child(http, a, "SELECT orders", T0 + 10, T0 + 60, {
    kind: SpanKind.CLIENT,
    attributes: { "db.system": "postgresql" },
    links: [{ context: warm.spanContext(), attributes: { "link.reason": "warm cache" } }],
  });
  select.span.setStatus({ code: SpanStatusCode.ERROR, message: "deadlock" });
  select.end();
  child(pay, a, "charge", T0 + 65, T0 + 95, { kind: SpanKind.SERVER, attributes: { "payment.method": "card" } }).end();
  a.end(T0 + 100);
  ids.A = a.spanContext().traceId;

  // B
  const b = http.startSpan("GET /checkout", { kind: SpanKind.SERVER, startTime: T0 + 1000, attributes: { "http.status_code": 500, "user.id": "u-2" } });
  b.setStatus({ code: SpanStatusCode.ERROR });
  b.end(T0 + 1020);
  ids.B = b.spanContext().traceId;

  // C
  const c = jobs.startSpan("reindex", { kind: SpanKind.INTERNAL, startTime: T0 + 2000, attributes: { "db.system": "redis" } });
  c.end(T0 + 2005);
  ids.C = c.spanContext().traceId;

  // D
  const d = http.startSpan("GET /skewed", { kind: SpanKind.SERVER, startTime: T0 + 3000 });
  child(pay, d, "charge late", T0 + 3000 - 50, T0 + 3000 - 15, { kind: SpanKind.SERVER }).end();
  const lostParent = trace.setSpanContext(context.active(), { traceId: d.spanContext().traceId, spanId: "badc0ffee0ddf00d", traceFlags: 1, isRemote: true });
  http.startSpan("lost child", { kind: SpanKind.INTERNAL, startTime: T0 + 3020 }, lostParent).end(T0 + 3030);
  d.end(T0 + 3100);
  ids.D = d.spanContext().traceId;

  const spans = [...(await checkout.finished()), ...(await billing.finished()), ...(await inventory.finished())];
  const result = await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" });
  expect(exportSucceeded(result), String(result.error)).toBe(true);

  // E: what the SDK cannot make — a shared span id and scope attributes.
  const ns = (ms: number) => `${T0 + 4000 + ms}000000`;
  const span = (spanId: string, parentSpanId: string, name: string, kind: number, from: number, to: number) => ({
    traceId: ids.E,
    spanId,
    parentSpanId,
    name,
    kind,
    startTimeUnixNano: ns(from),
    endTimeUnixNano: ns(to),
  });
  const response = await fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "legacy" } }] },
          scopeSpans: [
            {
              scope: { name: "zipkin-bridge", version: "0.9", attributes: [{ key: "scope.team", value: { stringValue: "payments" } }] },
              spans: [
                span("00000000000000aa", "", "client", 3, 0, 50),
                span("00000000000000aa", "", "server", 2, 10, 40),
                span("00000000000000ab", "00000000000000aa", "work", 1, 20, 30),
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}

/** Polls (bounded) until every trace has gone quiet (1 s in tests) and been written to R2 + D1. */
async function waitUntilStored() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await getJson<{ openTraces: number }>(`${url}/api/usage`, tenant.readKey);
    if (body.openTraces === 0) return;
    if (Date.now() > deadline) throw new Error(`${body.openTraces} traces still open after 30 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function v1<T>(path: string): Promise<{ status: number; body: JaegerEnvelope<T> }> {
  return getJson<JaegerEnvelope<T>>(`${url}${path}`, tenant.readKey);
}

/** Trace ids a search returns, in order. */
async function search(params: string): Promise<string[]> {
  const { status, body } = await v1<JaegerTrace[]>(`/api/traces?${WINDOW}&${params}`);
  expect(status, JSON.stringify(body.errors)).toBe(200);
  return body.data.map((t) => t.traceID);
}

const tags = (map: Record<string, string>) => `tags=${encodeURIComponent(JSON.stringify(map))}`;

describe("services and operations", () => {
  it("lists every service that sent spans", async () => {
    const { body } = await v1<string[]>("/api/services");
    expect(body.data).toEqual(["billing", "checkout", "inventory", "legacy"]);
    expect(body.total).toBe(4);
  });

  it("lists a service's operation names", async () => {
    const { body } = await v1<string[]>("/api/services/checkout/operations");
    expect(body.data).toEqual(["GET /checkout", "GET /skewed", "SELECT orders", "lost child"]);
  });

  it("lists operations with their span kinds, optionally of one kind", async () => {
    const all = await v1<JaegerOperation[]>("/api/operations?service=checkout");
    expect(all.body.data).toEqual([
      { name: "GET /checkout", spanKind: "server" },
      { name: "GET /skewed", spanKind: "server" },
      { name: "SELECT orders", spanKind: "client" },
      { name: "lost child", spanKind: "internal" },
    ]);
    const clients = await v1<JaegerOperation[]>("/api/operations?service=checkout&spanKind=client");
    expect(clients.body.data).toEqual([{ name: "SELECT orders", spanKind: "client" }]);
  });

  it("requires a service for /api/operations", async () => {
    const { status, body } = await v1<null>("/api/operations");
    expect(status).toBe(400);
    expect(body).toEqual({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg: "parameter 'service' is required" }] });
  });
});

describe("searching traces", () => {
  it("finds a service's traces, newest first", async () => {
    expect(await search("service=checkout")).toEqual([ids.D, ids.B, ids.A]);
  });

  it("searches across all services when none is given", async () => {
    expect(await search("")).toEqual([ids.E, ids.D, ids.C, ids.B, ids.A, ids.W]);
  });

  it("returns at most `limit` traces, the newest", async () => {
    expect(await search("limit=2")).toEqual([ids.E, ids.D]);
  });

  it("filters by operation", async () => {
    expect(await search("service=checkout&operation=SELECT%20orders")).toEqual([ids.A]);
    expect(await search("operation=charge")).toEqual([ids.A]);
  });

  it("takes tags as a JSON map and as repeated tag=key:value", async () => {
    expect(await search(tags({ "http.status_code": "500" }))).toEqual([ids.B]);
    expect(await search("tag=user.id:u-1")).toEqual([ids.A]);
    expect(await search("tag=user.id:u-1&tag=http.status_code:500")).toEqual([]);
  });

  it("finds tag values in resource, scope, span, event and link attributes", async () => {
    expect(await search(tags({ "deployment.environment": "prod" }))).toEqual([ids.D, ids.B, ids.A]);
    expect(await search(tags({ "scope.team": "payments" }))).toEqual([ids.E]);
    expect(await search(tags({ "payment.method": "card" }))).toEqual([ids.A]);
    expect(await search(tags({ "cart.size": "2" }))).toEqual([ids.A]);
    expect(await search(tags({ "link.reason": "warm cache" }))).toEqual([ids.A]);
  });

  it("requires all tags on the same span", async () => {
    // A has both values, but on different spans.
    expect(await search(tags({ "http.status_code": "200", "db.system": "postgresql" }))).toEqual([]);
    expect(await search(tags({ "db.system": "postgresql", "deployment.environment": "prod" }))).toEqual([ids.A]);
    expect(await search(`service=billing&${tags({ "deployment.environment": "prod" })}`)).toEqual([]);
  });

  it("reads error, span.kind, span.status, scope.name, scope.version and resource.* from span fields", async () => {
    expect(await search(tags({ error: "true" }))).toEqual([ids.B, ids.A]);
    expect(await search(`service=checkout&operation=GET%20%2Fcheckout&${tags({ error: "true" })}`)).toEqual([ids.B]);
    expect(await search(`operation=SELECT%20orders&${tags({ error: "false" })}`)).toEqual([]);
    expect(await search(tags({ "span.kind": "internal" }))).toEqual([ids.E, ids.D, ids.C, ids.W]);
    expect(await search(tags({ "span.kind": "client", "db.system": "postgresql" }))).toEqual([ids.A]);
    expect(await search(tags({ "span.status": "error", "span.kind": "server" }))).toEqual([ids.B]);
    expect(await search(tags({ "scope.name": "shop.billing", "scope.version": "3.1.0" }))).toEqual([ids.D, ids.A]);
    expect(await search(tags({ "scope.name": "zipkin-bridge" }))).toEqual([ids.E]);
    expect(await search(tags({ "resource.host.name": "b" }))).toEqual([ids.D, ids.A]);
    expect(await search(tags({ "resource.db.system": "redis" }))).toEqual([]);
  });

  it("applies minDuration and maxDuration to single spans (Go durations)", async () => {
    expect(await search("minDuration=40ms")).toEqual([ids.E, ids.D, ids.A]);
    expect(await search("service=billing&minDuration=0.04s")).toEqual([]);
    expect(await search("maxDuration=6000us")).toEqual([ids.C]);
    expect(await search("minDuration=45ms&maxDuration=55ms")).toEqual([ids.E, ids.A]);
    expect(await search("service=checkout&minDuration=45ms&maxDuration=55ms")).toEqual([ids.A]);
  });

  it("applies start and end (µs) to each span's start", async () => {
    // Only A's charge span starts 55–70 ms in; A itself began earlier.
    expect(await searchIn(T0 + 55, T0 + 70)).toEqual([ids.A]);
    // B's only span starts at T0 + 1 s, before this window, though B lasts into it.
    expect(await searchIn(T0 + 1005, T0 + 1015)).toEqual([]);
  });

  it("looks back from now when no start is given", async () => {
    const old = await v1<JaegerTrace[]>("/api/traces?lookback=5m");
    expect(old.body.data).toEqual([]);
    const recent = await v1<JaegerTrace[]>("/api/traces?lookback=1h&service=inventory");
    expect(recent.body.data.map((t) => t.traceID)).toEqual([ids.C, ids.W]);
  });

  it("fetches several traces by id, with an error entry for each one missing", async () => {
    const missing = "0123456789abcdef0123456789abcdef";
    const { status, body } = await v1<JaegerTrace[]>(`/api/traces?traceID=${ids.A}&traceID=${missing}&traceID=${ids.C}`);
    expect(status).toBe(200);
    expect(body.data.map((t) => t.traceID)).toEqual([ids.A, ids.C]);
    expect(body.errors).toEqual([{ code: 404, msg: "trace not found", traceID: missing }]);
  });

  it("answers malformed parameters with 400 in Jaeger's envelope", async () => {
    for (const [params, message] of [
      ["tags=%7Bnot-json", /malformed 'tags' parameter/],
      ["tag=no-colon", /expecting key:value/],
      ["minDuration=soon", /minDuration/],
      ["minDuration=2s&maxDuration=1s", /greater than/],
      ["start=2000&end=1000", /before/],
      ["limit=many", /limit/],
      ["traceID=not-hex", /traceID/],
    ] as const) {
      const { status, body } = await v1<null>(`/api/traces?${params}`);
      expect(status, params).toBe(400);
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.code).toBe(400);
      expect(body.errors?.[0]?.msg, params).toMatch(message);
    }
  });
});

async function searchIn(fromMs: number, toMs: number): Promise<string[]> {
  const { body } = await v1<JaegerTrace[]>(`/api/traces?start=${fromMs * 1000}&end=${toMs * 1000}`);
  return body.data.map((t) => t.traceID);
}

describe("trace adjustments", () => {
  const byName = (t: JaegerTrace | undefined) => new Map((t?.spans ?? []).map((s) => [s.operationName, s]));

  it("moves a child from a skewed host into its parent and says so", async () => {
    const { body } = await v1<JaegerTrace[]>(`/api/traces/${ids.D}`);
    const spans = byName(body.data[0]);
    const root = spans.get("GET /skewed") as JaegerSpan;
    const late = spans.get("charge late") as JaegerSpan;
    // (100 − 35) / 2 ms after its parent's start, duration unchanged.
    expect(late.startTime - root.startTime).toBe(32_500);
    expect(late.duration).toBe(35_000);
    expect(late.warnings?.[0]).toMatch(/^This span's timestamps were adjusted by 82\.5ms$/);
    expect(body.data[0]?.warnings).toContain("1 span(s) had their timestamps adjusted for clock skew");
  });

  it("flags a span whose parent never arrived", async () => {
    const { body } = await v1<JaegerTrace[]>(`/api/traces/${ids.D}`);
    expect(byName(body.data[0]).get("lost child")?.warnings).toEqual(["parent span ID=badc0ffee0ddf00d is not in the trace; skipping clock skew adjustment"]);
    expect(body.data[0]?.warnings).toContain("1 span(s) refer to a parent span that is not in the trace");
  });

  it("gives the server half of a shared span id its own id, under its client", async () => {
    const { body } = await v1<JaegerTrace[]>(`/api/traces/${ids.E}`);
    const spans = byName(body.data[0]);
    const server = spans.get("server") as JaegerSpan;
    expect(spans.get("client")?.spanID).toBe("00000000000000aa");
    expect(server.spanID).toBe("00000000000000ac");
    expect(server.references).toEqual([{ refType: "CHILD_OF", traceID: ids.E, spanID: "00000000000000aa" }]);
    expect(spans.get("work")?.references[0]?.spanID).toBe("00000000000000ac");
    expect(server.warnings?.[0]).toMatch(/shared with a client span/);
  });

  it("shows the spans as stored with raw=true", async () => {
    const { body } = await v1<JaegerTrace[]>(`/api/traces/${ids.D}?raw=true`);
    const spans = byName(body.data[0]);
    expect((spans.get("charge late")?.startTime ?? 0) - (spans.get("GET /skewed")?.startTime ?? 0)).toBe(-50_000);
    expect(body.data[0]?.warnings).toBeNull();
  });

  it("applies the same adjustments to search results", async () => {
    const { body } = await v1<JaegerTrace[]>(`/api/traces?${WINDOW}&service=checkout&operation=GET%20%2Fskewed`);
    expect(byName(body.data[0]).get("charge late")?.warnings?.[0]).toMatch(/adjusted by 82\.5ms/);
  });
});

describe("traces by id", () => {
  it("answers 404 in the envelope for an unknown id and 400 for a malformed one", async () => {
    const missing = await v1<null>(`/api/traces/${"9".repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors).toEqual([{ code: 404, msg: "trace not found", traceID: "9".repeat(32) }]);
    const bad = await v1<null>("/api/traces/zz");
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.code).toBe(400);
  });

  it("answers our app's compact form (format=compact) that expands to exactly the Jaeger answer, which is unchanged", async () => {
    // A: events, a link, an error; D: adjusted and orphaned spans with warnings; E: a renamed shared id.
    for (const path of [`/api/traces/${ids.A}`, `/api/traces/${ids.D}`, `/api/traces/${ids.E}`, `/api/traces/${ids.D}?raw=true`]) {
      const jaeger = await v1<JaegerTrace[]>(path);
      const compact = await v1<unknown[]>(`${path}${path.includes("?") ? "&" : "?"}format=compact`);
      expect(compact.status).toBe(200);
      const [trace] = compact.body.data;
      expect(isCompactTrace(trace), path).toBe(true);
      expect(JSON.stringify(expandTrace(trace as CompactTrace))).toBe(JSON.stringify(jaeger.body.data[0]));
      expect({ ...compact.body, data: null }).toEqual({ ...jaeger.body, data: null });
      // Jaeger UI's answer is Jaeger's: spans as objects, never arrays.
      expect(jaeger.body.data[0]?.spans[0]?.spanID).toEqual(expect.any(String));
    }
    const missing = await v1<null>(`/api/traces/${"9".repeat(32)}?format=compact`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors).toEqual([{ code: 404, msg: "trace not found", traceID: "9".repeat(32) }]);
  });
});

describe("traces not yet complete", () => {
  it("are found by search as soon as their spans are acknowledged", async () => {
    const fresh = memoryProvider({ "service.name": "fresh" });
    const span = fresh.provider.getTracer("t").startSpan("just now", { attributes: { "order.id": "o-42" } });
    span.end();
    expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, await fresh.finished(), { kind: "protobuf" }))).toBe(true);
    const { body } = await v1<JaegerTrace[]>(`/api/traces?lookback=1h&${tags({ "order.id": "o-42" })}`);
    expect(body.data.map((t) => t.traceID)).toEqual([span.spanContext().traceId]);
    expect((await v1<string[]>("/api/services")).body.data).toContain("fresh");
  });
});
