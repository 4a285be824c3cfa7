/**
 * Spans exported by the stock OpenTelemetry exporters come back from GET /api/traces/{id} in
 * Jaeger's format with nothing lost: every attribute type, events, links, status, kind, resource
 * and scope — read right after the ack (from the trace-assembly object) and again once the trace
 * has completed (from R2).
 *
 *   checkout  GET /checkout (SERVER, all attribute types, event)
 *   ├─ checkout  SELECT orders (CLIENT, ERROR + message, link to the warm-up span)
 *   └─ checkout  publish order (PRODUCER)
 *      └─ billing  consume order (CONSUMER, other service/resource)
 *   checkout  warm-up (INTERNAL, its own trace: the link's target)
 */
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { exportSpans, exportSucceeded, memoryProvider, type ExporterKind } from "./support/otel";
import { getJson, signUp, type TestTenant } from "./support/tenant";
import type { JaegerEnvelope, JaegerKeyValue, JaegerSpan, JaegerTrace } from "../worker/jaeger/v1-types";

const url = inject("serverUrl");
let tenant: TestTenant;

beforeAll(async () => {
  tenant = await signUp(url);
});

const T0 = 1_700_000_000_000; // ms

async function buildTrace(tag: string) {
  const checkout = memoryProvider({
    "service.name": `checkout-${tag}`,
    "service.version": "1.4.2",
    "host.cores": 8,
    "deployment.canary": false,
  });
  const billing = memoryProvider({ "service.name": `billing-${tag}` });
  const tracer = checkout.provider.getTracer("shop.checkout", "2.0.1");
  const billingTracer = billing.provider.getTracer("shop.billing");

  const warmUp = tracer.startSpan("warm-up", { kind: SpanKind.INTERNAL, startTime: T0 - 50 });
  warmUp.end(T0 - 40);

  const root = tracer.startSpan("GET /checkout", {
    kind: SpanKind.SERVER,
    startTime: T0,
    attributes: {
      "http.method": "GET",
      "http.status_code": 200,
      "cart.total": 99.95,
      "user.vip": true,
      "cart.items": ["apple", "pear"],
      "cart.quantities": [3, 4],
      "cart.prices": [1.5, 2.25],
      "cart.flags": [true, false],
      "session.token": new Uint8Array([0xde, 0xad, 0xbe, 0xef]) as never,
    },
  });
  root.addEvent("cart loaded", { "cart.size": 2, note: "from cache" }, T0 + 1);
  const rootContext = trace.setSpan(context.active(), root);

  const query = tracer.startSpan(
    "SELECT orders",
    {
      kind: SpanKind.CLIENT,
      startTime: T0 + 2,
      attributes: { "db.system": "postgresql" },
      links: [{ context: warmUp.spanContext(), attributes: { "link.reason": "warm cache" } }],
    },
    rootContext,
  );
  query.setStatus({ code: SpanStatusCode.ERROR, message: "deadlock detected" });
  query.end(T0 + 12.5);

  const publish = tracer.startSpan("publish order", { kind: SpanKind.PRODUCER, startTime: T0 + 13 }, rootContext);
  const consume = billingTracer.startSpan(
    "consume order",
    { kind: SpanKind.CONSUMER, startTime: T0 + 20 },
    trace.setSpan(context.active(), publish),
  );
  consume.setStatus({ code: SpanStatusCode.OK });
  consume.end(T0 + 30);
  publish.end(T0 + 14);
  root.end(T0 + 40);

  const spans = [...(await checkout.finished()), ...(await billing.finished())];
  return { spans, traceId: root.spanContext().traceId, warmUpTraceId: warmUp.spanContext().traceId };
}

function tagsOf(span: JaegerSpan): Map<string, JaegerKeyValue> {
  return new Map(span.tags.map((t) => [t.key, t]));
}

function expectSameAsSent(received: JaegerTrace, sent: ReadableSpan[], tag: string) {
  const ours = sent.filter((s) => s.spanContext().traceId === received.traceID.padStart(32, "0"));
  expect(received.spans).toHaveLength(ours.length);
  const byName = new Map(received.spans.map((s) => [s.operationName, s]));
  for (const span of ours) {
    const got = byName.get(span.name);
    expect(got, span.name).toBeDefined();
    if (!got) continue;
    expect(got.spanID).toBe(span.spanContext().spanId);
    expect(got.startTime).toBe(span.startTime[0] * 1_000_000 + Math.floor(span.startTime[1] / 1000));
    expect(got.duration).toBe(span.duration[0] * 1_000_000 + Math.floor(span.duration[1] / 1000));
    const parent = span.parentSpanContext?.spanId;
    expect(got.references.filter((r) => r.refType === "CHILD_OF").map((r) => r.spanID)).toEqual(parent ? [parent] : []);
  }

  const root = byName.get("GET /checkout") as JaegerSpan;
  const tags = tagsOf(root);
  expect(tags.get("http.method")).toEqual({ key: "http.method", type: "string", value: "GET" });
  expect(tags.get("http.status_code")).toEqual({ key: "http.status_code", type: "int64", value: 200 });
  expect(tags.get("cart.total")).toEqual({ key: "cart.total", type: "float64", value: 99.95 });
  expect(tags.get("user.vip")).toEqual({ key: "user.vip", type: "bool", value: true });
  expect(tags.get("cart.items")).toEqual({ key: "cart.items", type: "string", value: '["apple","pear"]' });
  expect(tags.get("cart.quantities")?.value).toBe("[3,4]");
  expect(tags.get("cart.prices")?.value).toBe("[1.5,2.25]");
  expect(tags.get("cart.flags")?.value).toBe("[true,false]");
  expect(tags.get("session.token")).toEqual({ key: "session.token", type: "binary", value: "3q2+7w==" });
  expect(tags.get("span.kind")?.value).toBe("server");
  expect(tags.get("otel.scope.name")?.value).toBe("shop.checkout");
  expect(tags.get("otel.scope.version")?.value).toBe("2.0.1");
  expect(root.logs).toEqual([
    {
      timestamp: T0 * 1000 + 1000,
      fields: [
        { key: "event", type: "string", value: "cart loaded" },
        { key: "cart.size", type: "int64", value: 2 },
        { key: "note", type: "string", value: "from cache" },
      ],
    },
  ]);

  const query = byName.get("SELECT orders") as JaegerSpan;
  const queryTags = tagsOf(query);
  expect(queryTags.get("span.kind")?.value).toBe("client");
  expect(queryTags.get("otel.status_code")?.value).toBe("ERROR");
  expect(queryTags.get("error")).toEqual({ key: "error", type: "bool", value: true });
  expect(queryTags.get("otel.status_description")?.value).toBe("deadlock detected");
  const follows = query.references.filter((r) => r.refType === "FOLLOWS_FROM");
  expect(follows).toHaveLength(1);

  const consume = byName.get("consume order") as JaegerSpan;
  expect(tagsOf(consume).get("span.kind")?.value).toBe("consumer");
  expect(tagsOf(consume).get("otel.status_code")?.value).toBe("OK");
  expect(tagsOf(byName.get("publish order") as JaegerSpan).get("span.kind")?.value).toBe("producer");

  const checkoutProcess = received.processes[root.processID];
  expect(checkoutProcess?.serviceName).toBe(`checkout-${tag}`);
  const processTags = new Map(checkoutProcess?.tags.map((t) => [t.key, t]));
  expect(processTags.get("service.version")?.value).toBe("1.4.2");
  expect(processTags.get("host.cores")).toEqual({ key: "host.cores", type: "int64", value: 8 });
  expect(processTags.get("deployment.canary")).toEqual({ key: "deployment.canary", type: "bool", value: false });
  expect(received.processes[consume.processID]?.serviceName).toBe(`billing-${tag}`);
  expect(consume.processID).not.toBe(root.processID);
}

const variants: Array<{ kind: ExporterKind; gzip: boolean }> = [
  { kind: "protobuf", gzip: false },
  { kind: "protobuf", gzip: true },
  { kind: "json", gzip: false },
  { kind: "json", gzip: true },
];

describe.each(variants)("round trip through the stock $kind exporter (gzip: $gzip)", ({ kind, gzip }) => {
  it("returns every span, attribute, event, link, status, kind, resource and scope", async () => {
    const tag = `${kind}${gzip ? "-gz" : ""}`;
    const { spans, traceId, warmUpTraceId } = await buildTrace(tag);
    const result = await exportSpans(url, tenant.ingestKey, spans, { kind, gzip });
    expect(exportSucceeded(result), String(result.error)).toBe(true);

    // Right after the ack: served from the trace-assembly Durable Object.
    const fresh = await getJson<JaegerEnvelope<JaegerTrace[]>>(`${url}/api/traces/${traceId}`, tenant.readKey);
    expect(fresh.status).toBe(200);
    expectSameAsSent(fresh.body.data[0] as JaegerTrace, spans, tag);

    // The link points at the warm-up span's own trace, which is readable too.
    const query = fresh.body.data[0]?.spans.find((s) => s.operationName === "SELECT orders");
    const warmUpTrace = await getJson<JaegerEnvelope<JaegerTrace[]>>(`${url}/api/traces/${warmUpTraceId}`, tenant.readKey);
    expect(query?.references.find((r) => r.refType === "FOLLOWS_FROM")?.spanID).toBe(warmUpTrace.body.data[0]?.spans[0]?.spanID);

    // After the trace has been quiet (1 s in tests) it is completed into R2 + D1: same answer.
    await new Promise((r) => setTimeout(r, 3_000));
    const completed = await getJson<JaegerEnvelope<JaegerTrace[]>>(`${url}/api/traces/${traceId}`, tenant.readKey);
    expect(completed.status).toBe(200);
    expect(completed.body.data[0]).toEqual(fresh.body.data[0]);
  });
});

describe("reading traces", () => {
  it("accepts a trace id in upper case", async () => {
    const { spans, traceId } = await buildTrace("case");
    expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
    const { status } = await getJson(`${url}/api/traces/${traceId.toUpperCase()}`, tenant.readKey);
    expect(status).toBe(200);
  });

  it("answers 404 in Jaeger's envelope for a trace that does not exist", async () => {
    const { status, body } = await getJson<JaegerEnvelope<null>>(`${url}/api/traces/${"ab".repeat(16)}`, tenant.readKey);
    expect(status).toBe(404);
    expect(body.errors?.[0]).toMatchObject({ code: 404, msg: "trace not found" });
  });

  it("answers 400 for a trace id that is not hex", async () => {
    const { status, body } = await getJson<JaegerEnvelope<null>>(`${url}/api/traces/not-a-trace`, tenant.readKey);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.msg).toMatch(/hex/);
  });

  it("hides one tenant's trace from another: 404, the same as a missing trace", async () => {
    const { spans, traceId } = await buildTrace("iso");
    expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
    const other = await signUp(url, "Other org");
    const seen = await getJson<JaegerEnvelope<null>>(`${url}/api/traces/${traceId}`, other.readKey);
    const missing = await getJson<JaegerEnvelope<null>>(`${url}/api/traces/${"cd".repeat(16)}`, other.readKey);
    expect(seen.status).toBe(404);
    expect(seen.body.errors?.[0]?.msg).toBe(missing.body.errors?.[0]?.msg);
    // …while its owner reads it.
    expect((await getJson(`${url}/api/traces/${traceId}`, tenant.readKey)).status).toBe(200);
  });
});
