/**
 * Test builders for the digest: a Trace from short span specs (ms offsets, services by name), and
 * HotROD traffic from the demo's generator turned into our span model the way ingest would (OTLP
 * JSON through the Worker's own decoder).
 */
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { collectHotrodSpans, type HotrodRequest } from "../../test/demo/traffic";
import { decodeJsonRequest } from "../otlp/json-decode";
import { assembleTrace } from "../query/assemble";
import { SpanKind, StatusCode, type KeyValue, type Span, type SpanEvent, type Trace } from "../model/span";

export const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const BASE_MS = 1_700_000_000_000;

export interface SpanSpec {
  id: string;
  parent?: string;
  service?: string;
  name?: string;
  kind?: SpanKind;
  /** ms after the trace's base time. */
  start: number;
  duration: number;
  error?: string;
  attributes?: Record<string, string | number>;
  events?: Array<{ name: string; at?: number; attributes?: Record<string, string> }>;
}

const nanos = (ms: number) => `${BigInt(Math.round((BASE_MS + ms) * 1000)) * 1000n}`;
const kv = (attributes: Record<string, string | number> = {}): KeyValue[] =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: typeof value === "number" ? { intValue: String(value) } : { stringValue: value } }));

/** Span ids are the spec's id, hex-padded; services become one resource each. */
export function makeTrace(specs: SpanSpec[]): Trace {
  const services = [...new Set(specs.map((s) => s.service ?? "svc"))];
  const hexId = (id: string) => Buffer.from(id).toString("hex").padStart(16, "0").slice(-16);
  const spans: Span[] = specs.map((spec) => {
    const events: SpanEvent[] = (spec.events ?? []).map((e) => ({ name: e.name, timeUnixNano: nanos(e.at ?? spec.start), attributes: kv(e.attributes) }));
    return {
      traceId: TRACE_ID,
      spanId: hexId(spec.id),
      parentSpanId: spec.parent ? hexId(spec.parent) : "",
      name: spec.name ?? spec.id,
      kind: spec.kind ?? SpanKind.INTERNAL,
      startTimeUnixNano: nanos(spec.start),
      endTimeUnixNano: nanos(spec.start + spec.duration),
      attributes: kv(spec.attributes),
      events,
      links: [],
      status: spec.error ? { code: StatusCode.ERROR, message: spec.error } : { code: StatusCode.UNSET },
      resource: services.indexOf(spec.service ?? "svc"),
      scope: 0,
    };
  });
  return {
    traceId: TRACE_ID,
    resources: services.map((name) => ({ attributes: kv({ "service.name": name }) })),
    scopes: [{ name: "test" }],
    spans,
  };
}

/** `requests` HotROD requests as stored traces, by trace id, with what the generator says of each. */
export function hotrodTraces(requests: number, seed = 1): { requests: HotrodRequest[]; traces: Map<string, Trace> } {
  const { spans, summary } = collectHotrodSpans({ requests, seed });
  const body = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans) as Uint8Array);
  const { batch } = decodeJsonRequest(body);
  const traces = new Map<string, Trace>();
  for (const traceId of new Set(batch.spans.map((s) => s.traceId))) traces.set(traceId, assembleTrace(traceId, [batch]));
  return { requests: summary.requests, traces };
}

/** `spanCount` HotROD spans as one trace: every request's root hung under the first one (a 10,000-span trace of realistic spans). */
export function hotrodAsOneTrace(spanCount: number): Trace {
  const { spans } = collectHotrodSpans({ spanCount });
  const { batch } = decodeJsonRequest(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans) as Uint8Array));
  const rootId = batch.spans.find((s) => !s.parentSpanId)?.spanId ?? "";
  return {
    ...batch,
    traceId: TRACE_ID,
    spans: batch.spans.map((s) => ({ ...s, traceId: TRACE_ID, parentSpanId: s.parentSpanId || (s.spanId === rootId ? "" : rootId) })),
  };
}
