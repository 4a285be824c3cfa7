/**
 * Jaeger query API v3 (OTLP JSON) against the real product.
 *
 *   P @T0     shop  GET /cart  SERVER   0–80 ms   cart.id=c-1          (host a)
 *             ├ stock reserve  CLIENT  10–30 ms   ERROR                (host s)
 *             └ shop  late     INTERNAL 40–50 ms  parent never arrives (an orphan)
 *   Q @T0+1s  shop  GET /cart  SERVER   0–10 ms   cart.id=c-2
 */
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { OtlpResourceSpans, OtlpSpan, V3Error, V3TraceSummary, V3TracesResponse } from "../worker/jaeger/v3-types";
import { exportSpans, exportSucceeded, memoryProvider } from "./support/otel";
import { getJson, signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");
let tenant: TestTenant;
const T0 = Date.now() - 10 * 60_000;
const ids = { P: "", Q: "" };
const iso = (ms: number) => new Date(ms).toISOString();
const WINDOW = `query.startTimeMin=${iso(T0 - 60_000)}&query.startTimeMax=${iso(T0 + 60_000)}`;

beforeAll(async () => {
  tenant = await signUp(url, "Query v3 org");
  const shop = memoryProvider({ "service.name": "shop", "host.name": "a" });
  const stock = memoryProvider({ "service.name": "stock", "host.name": "s" });
  const tracer = shop.provider.getTracer("shop.http", "2.0.0");
  const p = tracer.startSpan("GET /cart", { kind: SpanKind.SERVER, startTime: T0, attributes: { "cart.id": "c-1" } });
  const reserve = stock.provider.getTracer("stock.rpc").startSpan("reserve", { kind: SpanKind.CLIENT, startTime: T0 + 10 }, trace.setSpan(context.active(), p));
  reserve.setStatus({ code: SpanStatusCode.ERROR, message: "out of stock" });
  reserve.end(T0 + 30);
  const missingParent = trace.setSpanContext(context.active(), { traceId: p.spanContext().traceId, spanId: "0badf00d0badf00d", traceFlags: 1, isRemote: true });
  tracer.startSpan("late", { startTime: T0 + 40 }, missingParent).end(T0 + 50);
  p.end(T0 + 80);
  const q = tracer.startSpan("GET /cart", { kind: SpanKind.SERVER, startTime: T0 + 1000, attributes: { "cart.id": "c-2" } });
  q.end(T0 + 1010);
  ids.P = p.spanContext().traceId;
  ids.Q = q.spanContext().traceId;
  const result = await exportSpans(url, tenant.ingestKey, [...(await shop.finished()), ...(await stock.finished())], { kind: "json" });
  expect(exportSucceeded(result), String(result.error)).toBe(true);
  const deadline = Date.now() + 30_000;
  while ((await getJson<{ openTraces: number }>(`${url}/api/usage`, tenant.readKey)).body.openTraces > 0) {
    if (Date.now() > deadline) throw new Error("traces did not complete within 30 s");
    await new Promise((r) => setTimeout(r, 250));
  }
});

const get = <T>(path: string) => getJson<T>(`${url}${path}`, tenant.readKey);

function spansOf(response: V3TracesResponse): Array<OtlpSpan & { service: string; scope: string }> {
  return response.result.resourceSpans.flatMap((rs: OtlpResourceSpans) => {
    const service = rs.resource.attributes.find((kv) => kv.key === "service.name")?.value;
    return rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((span) => ({ ...span, service: service && "stringValue" in service ? service.stringValue : "", scope: ss.scope.name })),
    );
  });
}

async function traceIds(params: string): Promise<string[]> {
  const { status, body } = await get<V3TracesResponse | V3Error>(`/api/v3/traces?${WINDOW}&${params}`);
  if (status === 404) return [];
  expect(status, JSON.stringify(body)).toBe(200);
  return [...new Set(spansOf(body as V3TracesResponse).map((s) => s.traceId))];
}

describe("v3 services and operations", () => {
  it("lists services", async () => {
    expect((await get<{ services: string[] }>("/api/v3/services")).body).toEqual({ services: ["shop", "stock"] });
  });

  it("lists operations with span kinds, optionally of one kind", async () => {
    expect((await get("/api/v3/operations?service=shop")).body).toEqual({
      operations: [
        { name: "GET /cart", spanKind: "server" },
        { name: "late", spanKind: "internal" },
      ],
    });
    expect((await get("/api/v3/operations?service=shop&spanKind=server")).body).toEqual({ operations: [{ name: "GET /cart", spanKind: "server" }] });
  });

  it("answers a missing service with grpc-gateway's error shape", async () => {
    const { status, body } = await get<V3Error>("/api/v3/operations");
    expect(status).toBe(400);
    expect(body.error.httpCode).toBe(400);
  });
});

describe("v3 trace search", () => {
  it("returns OTLP JSON: spans under their resource and scope, hex ids, int64 times as strings, integer enums", async () => {
    const { status, body } = await get<V3TracesResponse>(`/api/v3/traces?${WINDOW}&query.serviceName=stock`);
    expect(status).toBe(200);
    const spans = spansOf(body);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([ids.P]));
    const reserve = spans.find((s) => s.name === "reserve");
    expect(reserve).toMatchObject({ service: "stock", scope: "stock.rpc", kind: 3, status: { code: 2, message: "out of stock" } });
    expect(reserve?.startTimeUnixNano).toBe(`${T0 + 10}000000`);
    expect(reserve?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(reserve?.parentSpanId).toBe(spans.find((s) => s.name === "GET /cart")?.spanId);
    expect(spans.find((s) => s.name === "GET /cart")?.parentSpanId).toBeUndefined();
  });

  it("filters by service, operation, attributes and per-span durations, newest first", async () => {
    expect(await traceIds("query.serviceName=shop")).toEqual([ids.Q, ids.P]);
    expect(await traceIds("query.serviceName=shop&query.operationName=late")).toEqual([ids.P]);
    expect(await traceIds(`query.attributes=${encodeURIComponent('{"cart.id":"c-2"}')}`)).toEqual([ids.Q]);
    expect(await traceIds(`query.attributes=${encodeURIComponent('{"error":"true"}')}`)).toEqual([ids.P]);
    expect(await traceIds("query.durationMin=15ms&query.durationMax=25ms")).toEqual([ids.P]);
    expect(await traceIds("query.serviceName=shop&query.durationMin=15ms&query.durationMax=25ms")).toEqual([]);
  });

  it("returns at most searchDepth traces, and takes snake_case names", async () => {
    expect(await traceIds("query.searchDepth=1")).toEqual([ids.Q]);
    const snake = `query.start_time_min=${iso(T0 - 60_000)}&query.start_time_max=${iso(T0 + 60_000)}&query.service_name=shop&query.num_traces=1`;
    const { body } = await get<V3TracesResponse>(`/api/v3/traces?${snake}`);
    expect(new Set(spansOf(body).map((s) => s.traceId))).toEqual(new Set([ids.Q]));
  });

  it("answers 404 in grpc-gateway's shape when nothing matches", async () => {
    const { status, body } = await get<V3Error>(`/api/v3/traces?${WINDOW}&query.serviceName=nobody`);
    expect(status).toBe(404);
    expect(body).toEqual({ error: { httpCode: 404, message: "trace not found" } });
  });

  it("answers 400 for missing or malformed parameters", async () => {
    for (const [params, message] of [
      [`query.startTimeMin=${iso(T0)}`, /required/],
      ["query.startTimeMin=yesterday&query.startTimeMax=today", /RFC 3339/],
      [`${WINDOW}&query.durationMin=fast`, /durationMin/],
      [`${WINDOW}&query.attributes=%7B`, /attributes/],
      [`query.startTimeMin=${iso(T0)}&query.startTimeMax=${iso(T0 - 1000)}`, /before/],
    ] as const) {
      const { status, body } = await get<V3Error>(`/api/v3/traces?${params}`);
      expect(status, params).toBe(400);
      expect(body.error.httpCode).toBe(400);
      expect(body.error.message, params).toMatch(message);
    }
  });
});

describe("v3 traces by id", () => {
  it("returns one trace as OTLP JSON, with Jaeger's warnings attribute on adjusted spans", async () => {
    const { status, body } = await get<V3TracesResponse>(`/api/v3/traces/${ids.P}`);
    expect(status).toBe(200);
    const spans = spansOf(body);
    expect(spans.map((s) => s.name).sort()).toEqual(["GET /cart", "late", "reserve"]);
    const late = spans.find((s) => s.name === "late");
    expect(late?.attributes.find((kv) => kv.key === "@jaeger@warnings")?.value).toEqual({
      arrayValue: { values: [{ stringValue: "parent span ID=0badf00d0badf00d is not in the trace; skipping clock skew adjustment" }] },
    });
    const raw = await get<V3TracesResponse>(`/api/v3/traces/${ids.P}?raw_traces=true`);
    expect(spansOf(raw.body).find((s) => s.name === "late")?.attributes).toEqual([]);
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    expect((await get<V3Error>(`/api/v3/traces/${"7".repeat(32)}`)).body).toEqual({ error: { httpCode: 404, message: "trace not found" } });
    const bad = await get<V3Error>("/api/v3/traces/xyz");
    expect(bad.status).toBe(400);
    expect(bad.body.error.httpCode).toBe(400);
  });
});

describe("v3 trace summaries", () => {
  it("summarises each trace: root, time range, span, error and orphan counts, per-service counts", async () => {
    const { status, body } = await get<{ summaries: V3TraceSummary[] }>(`/api/v3/trace-summaries?${WINDOW}&query.serviceName=shop`);
    expect(status).toBe(200);
    expect(body.summaries.map((s) => s.traceId)).toEqual([ids.Q, ids.P]);
    expect(body.summaries[1]).toEqual({
      traceId: ids.P,
      rootServiceName: "shop",
      rootOperationName: "GET /cart",
      minStartTimeUnixNano: `${T0}000000`,
      maxEndTimeUnixNano: `${T0 + 80}000000`,
      spanCount: 3,
      errorSpanCount: 1,
      orphanSpanCount: 1,
      services: [
        { name: "shop", spanCount: 2, errorSpanCount: 0 },
        { name: "stock", spanCount: 1, errorSpanCount: 1 },
      ],
    });
  });

  it("requires the time window like /api/v3/traces", async () => {
    expect((await get<V3Error>("/api/v3/trace-summaries")).status).toBe(400);
  });
});
