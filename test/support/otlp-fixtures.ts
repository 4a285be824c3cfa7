/**
 * Builders for OTLP trace requests, for the decoder tests and the decode benchmark.
 *
 * Two independent sources of requests:
 * - real OpenTelemetry JS SDK spans (`coverageSpans`, `sdkBatch`), serialised by the SDK's own
 *   `ProtobufTraceSerializer` / `JsonTraceSerializer`, with `expectedFromSdk` saying what our
 *   span model must hold for them (written from the SDK objects, not from our decoders);
 * - hand-built OTLP/JSON-shaped requests (`makeSpan`, `makeRequest`) for what the SDK cannot
 *   express (int64 beyond 2^53, UNSPECIFIED kind, scope attributes, broken spans), which
 *   `encodeProtobuf` turns into the same request in protobuf so both decoders see one request.
 *
 * No imports from `worker/`: the expectations must not share code with what they check.
 */
import { context, createTraceState, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type HrTime } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanLimits } from "@opentelemetry/sdk-trace";

// ---------------------------------------------------------------------------------------------
// Real SDK spans

/** A provider for one resource whose finished spans are kept in memory. */
function provider(resource: Attributes, options: { schemaUrl?: string; spanLimits?: SpanLimits } = {}) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    resource: resourceFromAttributes(resource, options.schemaUrl ? { schemaUrl: options.schemaUrl } : undefined),
    spanLimits: options.spanLimits,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  return {
    tracerProvider,
    async finished(): Promise<ReadableSpan[]> {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans();
    },
  };
}

const at = (seconds: number, nanos: number): HrTime => [seconds, nanos];

/** Every attribute type the SDK accepts on a span, including the non-"simple" AnyValue ones. */
export const EVERY_ATTRIBUTE_TYPE: Attributes = {
  "str": "hello, wörld ✓",
  "str.empty": "",
  "bool.true": true,
  "bool.false": false,
  "int": 42,
  "int.negative": -7,
  "int.zero": 0,
  // 2^60: an integer JSON number past 2^53, which JSON.parse still holds exactly.
  "int.big": 2 ** 60,
  "double": 1.5,
  "double.negative": -0.25,
  "double.tiny": 5e-324,
  "strings": ["a", "", "c"],
  "bools": [true, false],
  "ints": [1, -2, 3],
  "doubles": [1.5, -2.25],
  "empty.array": [],
  // The SDK's attribute type does not list these, but its validator (`isAnyValue`) takes them.
  "bytes": new Uint8Array([0, 1, 2, 254, 255]) as unknown as string,
  "map": { k: "v", nested: { n: 1, list: [true, "x"] } } as unknown as string,
  "mixed": [1, "a", false] as unknown as string[],
  "null": null as unknown as string,
};

/**
 * A few dozen SDK spans covering what an exporter can send, spread over two resources (one with a
 * schema URL) and three scopes, exported in an interleaved order:
 *
 *   resource A (checkout, schemaUrl)          resource B (payments, tight span limits)
 *   ├─ scope "http" 1.2.3 (schemaUrl)         └─ scope "queue" (no version)
 *   │   root SERVER ── child CLIENT ── …          PRODUCER/CONSUMER, dropped attrs/events/links
 *   └─ scope "db" 0.1.0
 *       INTERNAL spans with events, links, trace state, remote parent
 */
export async function coverageSpans(): Promise<ReadableSpan[]> {
  const checkout = provider({ "service.name": "checkout", "deployment.environment": "prod", "host.cpus": 8, "process.pid": 1234 }, { schemaUrl: "https://opentelemetry.io/schemas/1.26.0" });
  const payments = provider(
    { "service.name": "payments", "k8s.pod.uid": "b4c1" },
    { spanLimits: { attributeCountLimit: 3, eventCountLimit: 1, linkCountLimit: 1, attributePerEventCountLimit: 1, attributePerLinkCountLimit: 1 } },
  );
  const http = checkout.tracerProvider.getTracer("http", "1.2.3", { schemaUrl: "https://opentelemetry.io/schemas/1.24.0" });
  const db = checkout.tracerProvider.getTracer("db", "0.1.0");
  const queue = payments.tracerProvider.getTracer("queue");

  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: "0AF7651916CD43DD8448EB211C80319C".toLowerCase(),
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState("vendor=abc,other=1"),
  });
  const linked = {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: TraceFlags.SAMPLED,
    traceState: createTraceState("linked=yes"),
  };

  const root = http.startSpan("GET /checkout", { kind: SpanKind.SERVER, startTime: at(1_700_000_000, 123_456_789), attributes: EVERY_ATTRIBUTE_TYPE }, remoteParent);
  root.addEvent("request.received", { "http.request.body.size": 512, "ok": true }, at(1_700_000_000, 200_000_001));
  root.addEvent("no attributes", at(1_700_000_000, 300_000_000));
  root.setStatus({ code: SpanStatusCode.ERROR, message: "payment declined" });

  const rootContext = trace.setSpan(context.active(), root);
  const call = http.startSpan("POST /pay", { kind: SpanKind.CLIENT, startTime: at(1_700_000_000, 400_000_000), links: [{ context: linked, attributes: { "link.reason": "retry", "link.n": 2 } }] }, rootContext);
  call.setStatus({ code: SpanStatusCode.OK });

  const consume = queue.startSpan("payments consume", { kind: SpanKind.CONSUMER, startTime: at(1_700_000_000, 500_000_000), attributes: { a: 1, b: 2, c: 3, d: 4, e: 5 } }, trace.setSpan(context.active(), call));
  consume.addEvent("first", { x: 1, y: 2 }, at(1_700_000_000, 510_000_000));
  consume.addEvent("second", at(1_700_000_000, 520_000_000));
  consume.addLink({ context: linked, attributes: { p: 1, q: 2 } });
  consume.addLink({ context: { ...linked, spanId: "00f067aa0ba902b8" } });

  const query = db.startSpan("SELECT orders", { kind: SpanKind.INTERNAL, startTime: at(1_700_000_000, 600_000_000), attributes: { "db.system": "postgresql", "db.rows": 3 } }, rootContext);
  query.addEvent("exception", { "exception.message": "deadlock", "exception.escaped": false }, at(1_700_000_000, 650_000_000));
  query.end(at(1_700_000_000, 700_000_000));

  const produce = queue.startSpan("payments publish", { kind: SpanKind.PRODUCER, startTime: at(1_700_000_000, 450_000_000) });
  produce.end(at(1_700_000_000, 450_000_000)); // zero duration is valid
  consume.end(at(1_700_000_000, 900_000_000));
  call.end(at(1_700_000_001, 0));
  // Nanosecond precision that a JS number of ns since the epoch could not hold.
  root.end(at(1_700_000_002, 999_999_999));

  // A span with no attributes, events, links or status at all.
  db.startSpan("bare", { startTime: at(1_700_000_003, 1) }).end(at(1_700_000_003, 2));

  return [...(await checkout.finished()), ...(await payments.finished())].sort(byStart);
}

function byStart(a: ReadableSpan, b: ReadableSpan): number {
  return a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
}

/**
 * What an OTel JS SDK exports by default: one batch of `count` spans (512 is the BatchSpanProcessor
 * default) from one service, in traces of 8 spans with typical HTTP/DB attributes and an event.
 */
export async function sdkBatch(count = 512): Promise<ReadableSpan[]> {
  const service = provider({ "service.name": "frontend", "service.version": "2.4.1", "telemetry.sdk.language": "nodejs", "host.name": "web-7f9c" });
  const tracer = service.tracerProvider.getTracer("@opentelemetry/instrumentation-http", "0.52.1");
  let n = 0;
  while (n < count) {
    const start = 1_700_000_000 + n;
    const root = tracer.startSpan("GET /api/orders/:id", {
      kind: SpanKind.SERVER,
      startTime: at(start, 1_000),
      attributes: { "http.request.method": "GET", "http.route": "/api/orders/:id", "url.path": `/api/orders/${n}`, "http.response.status_code": 200, "server.address": "shop.example.com", "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64)" },
    });
    n++;
    const parent = trace.setSpan(context.active(), root);
    for (let child = 0; child < 7 && n < count; child++, n++) {
      const span = tracer.startSpan(child % 2 ? "SELECT orders" : "GET inventory", {
        kind: child % 2 ? SpanKind.CLIENT : SpanKind.INTERNAL,
        startTime: at(start, 10_000 + child * 1_000_000),
        attributes: child % 2 ? { "db.system": "postgresql", "db.statement": "SELECT * FROM orders WHERE id = $1", "db.rows": 1 } : { "peer.service": "inventory", "retry.count": 0, "cache.hit": false },
      }, parent);
      if (child === 3) span.addEvent("cache miss", { "cache.key": `order:${n}` }, at(start, 10_500 + child * 1_000_000));
      span.end(at(start, 900_000 + child * 1_000_000));
    }
    root.setStatus({ code: SpanStatusCode.OK });
    root.end(at(start, 9_000_000));
  }
  return service.finished();
}

// ---------------------------------------------------------------------------------------------
// What our span model must hold for SDK spans (JSON-form AnyValues, hex ids, decimal ns).

type ExpectedValue = Record<string, unknown>;
interface ExpectedKeyValue {
  key: string;
  value: ExpectedValue;
}

/** A span as our model holds it, with its resource and scope inlined instead of indexed. */
export interface ExpectedSpan {
  span: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: Record<string, unknown>;
}

const nanos = (time: HrTime): string => (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();

/** OTLP span flags: W3C trace flags in the low byte, then "has is-remote" and "is remote". */
const flagsOf = (traceFlags: number, isRemote: boolean | undefined): number => (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);

function expectedValue(value: unknown): ExpectedValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isInteger(value) ? { intValue: BigInt(value).toString() } : { doubleValue: value };
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(expectedValue) } };
  if (value === null || value === undefined) return {};
  return { kvlistValue: { values: expectedAttributes(value as Attributes) } };
}

function expectedAttributes(attributes: Attributes | undefined): ExpectedKeyValue[] {
  return Object.entries(attributes ?? {}).map(([key, value]) => ({ key, value: expectedValue(value) }));
}

/** Sets `key` only when `value` is worth storing: our model omits empty strings and zero counts. */
function put(target: Record<string, unknown>, key: string, value: string | number | undefined): void {
  if (value !== undefined && value !== "" && value !== 0) target[key] = value;
}

export function expectedFromSdk(span: ReadableSpan): ExpectedSpan {
  const ctx = span.spanContext();
  const out: Record<string, unknown> = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? "",
    name: span.name,
    kind: span.kind + 1,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: expectedAttributes(span.attributes),
    events: span.events.map((event) => {
      const e: Record<string, unknown> = { timeUnixNano: nanos(event.time), name: event.name, attributes: expectedAttributes(event.attributes) };
      put(e, "droppedAttributesCount", event.droppedAttributesCount);
      return e;
    }),
    links: span.links.map((link) => {
      const l: Record<string, unknown> = { traceId: link.context.traceId, spanId: link.context.spanId, attributes: expectedAttributes(link.attributes) };
      put(l, "traceState", link.context.traceState?.serialize());
      put(l, "droppedAttributesCount", link.droppedAttributesCount);
      put(l, "flags", flagsOf(link.context.traceFlags, link.context.isRemote));
      return l;
    }),
    status: span.status.message ? { code: span.status.code, message: span.status.message } : { code: span.status.code },
  };
  put(out, "traceState", ctx.traceState?.serialize());
  put(out, "flags", flagsOf(ctx.traceFlags, span.parentSpanContext?.isRemote));
  put(out, "droppedAttributesCount", span.droppedAttributesCount);
  put(out, "droppedEventsCount", span.droppedEventsCount);
  put(out, "droppedLinksCount", span.droppedLinksCount);

  const resource: Record<string, unknown> = { attributes: expectedAttributes(span.resource.attributes) };
  put(resource, "schemaUrl", span.resource.schemaUrl);
  const scopeInfo = span.instrumentationScope;
  const scope: Record<string, unknown> = { name: scopeInfo.name };
  put(scope, "version", scopeInfo.version);
  put(scope, "schemaUrl", scopeInfo.schemaUrl);
  return { span: out, resource, scope };
}

// Hand-built requests and the protobuf writer live in otlp-builders.ts (no SDK imports, so tests
// that run inside workerd use them too).
export { anyValue, encodeProtobuf, makeRequest, makeSpan, nestedArrayValue, prng, ProtoWriter, spanMessage, type JsonObject } from "./otlp-builders";

/**
 * The OTLP trace messages as a .proto for protobufjs's reflection decoder: an independent reader for
 * our responses in tests, and the baseline our hand decoder is measured against in the benchmark.
 * Trimmed from opentelemetry-proto (trace.proto, common.proto, resource.proto, trace_service.proto)
 * and googleapis google/rpc/status.proto (details left out).
 */
export const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  repeated Event events = 11; uint32 dropped_events_count = 12;
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
  repeated Link links = 13; uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message RpcStatus { int32 code = 1; string message = 2; }
`;
