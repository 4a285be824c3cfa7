/**
 * Downloads: a trace as Jaeger JSON (exactly as the API sent it, in the `{data:[…]}` envelope
 * Jaeger UI's upload reads) and as OTLP/JSON (`{resourceSpans}`, what a collector or our own
 * `/v1/traces` takes back).
 *
 * For traces from the server the OTLP form comes from `/api/v3/traces/{id}`, which holds
 * everything the exporter sent; `jaegerToOtlp` is for traces we only have as Jaeger JSON (an
 * uploaded file). It inverts the Worker's OTLP → Jaeger translation (`worker/jaeger/v1-trace.ts`):
 * the `span.kind` and `otel.*` tags go back into fields, logs become events, FOLLOWS_FROM
 * references links, processes resources.
 */
import type { JaegerKeyValue, JaegerSpan, JaegerTrace } from "../../../../../worker/jaeger/v1-types";
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanKind, StatusCode } from "../../../../../worker/model/span";
import { microsToNanos, micros } from "../../../../../worker/model/time";

/** OTLP/JSON span: our span model is OTLP/JSON already, less the batch indexes. */
export type OtlpJsonSpan = Omit<Span, "resource" | "scope">;

export interface OtlpJsonTraces {
  resourceSpans: { resource: Resource; scopeSpans: { scope: Scope; spans: OtlpJsonSpan[] }[] }[];
}

export function jaegerFileText(trace: JaegerTrace): string {
  return JSON.stringify({ data: [trace] });
}

export function otlpFileText(traces: OtlpJsonTraces): string {
  return JSON.stringify(traces);
}

export function downloadName(traceId: string, format: "jaeger" | "otlp"): string {
  return `trace-${traceId}-${format}.json`;
}

const KINDS: Record<string, SpanKind> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
/** Tags the Worker derives from OTLP fields; they go back into those fields. */
const DERIVED = new Set(["span.kind", "otel.status_code", "otel.status_description", "otel.scope.name", "otel.scope.version", "w3c.tracestate"]);

export function jaegerToOtlp(trace: JaegerTrace): OtlpJsonTraces {
  const resources = new Map<string, OtlpJsonTraces["resourceSpans"][number]>();
  for (const span of trace.spans) {
    let resource = resources.get(span.processID);
    if (!resource) {
      const process = trace.processes[span.processID];
      const attributes: KeyValue[] = [{ key: "service.name", value: { stringValue: process?.serviceName ?? "unknown_service" } }];
      for (const tag of process?.tags ?? []) attributes.push(toKeyValue(tag));
      resource = { resource: { attributes }, scopeSpans: [] };
      resources.set(span.processID, resource);
    }
    const scope = scopeOf(span);
    let scopeSpans = resource.scopeSpans.find((s) => s.scope.name === scope.name && s.scope.version === scope.version);
    if (!scopeSpans) resource.scopeSpans.push((scopeSpans = { scope, spans: [] }));
    scopeSpans.spans.push(toOtlpSpan(trace, span));
  }
  return { resourceSpans: [...resources.values()] };
}

function scopeOf(span: JaegerSpan): Scope {
  const name = tagValue(span, "otel.scope.name");
  const version = tagValue(span, "otel.scope.version");
  return version === undefined ? { name: name ?? "" } : { name: name ?? "", version };
}

function tagValue(span: JaegerSpan, key: string): string | undefined {
  const tag = span.tags.find((t) => t.key === key);
  return tag === undefined ? undefined : String(tag.value);
}

const hex = (id: string, digits: number) => id.toLowerCase().padStart(digits, "0");

function toOtlpSpan(trace: JaegerTrace, span: JaegerSpan): OtlpJsonSpan {
  const traceId = hex(span.traceID || trace.traceID, 32);
  const childOf = span.references.find((r) => r.refType === "CHILD_OF");
  const status = tagValue(span, "otel.status_code");
  const isError = status === "ERROR" || span.tags.some((t) => t.key === "error" && (t.value === true || t.value === "true"));
  const message = tagValue(span, "otel.status_description");
  const code: StatusCode = isError ? 2 : status === "OK" ? 1 : 0;
  const out: OtlpJsonSpan = {
    traceId,
    spanId: hex(span.spanID, 16),
    parentSpanId: childOf ? hex(childOf.spanID, 16) : "",
    name: span.operationName,
    kind: KINDS[tagValue(span, "span.kind") ?? ""] ?? 0,
    startTimeUnixNano: microsToNanos(span.startTime),
    endTimeUnixNano: microsToNanos(micros(span.startTime + span.duration)),
    // error=true is how Jaeger spells an ERROR status; the status carries it back.
    attributes: span.tags.filter((t) => !DERIVED.has(t.key) && !(t.key === "error" && t.type === "bool")).map(toKeyValue),
    events: span.logs.map((log) => {
      const name = log.fields.find((f) => f.key === "event");
      return {
        timeUnixNano: microsToNanos(log.timestamp),
        name: name ? String(name.value) : "log",
        attributes: log.fields.filter((f) => f !== name).map(toKeyValue),
      };
    }),
    links: span.references
      .filter((r) => r !== childOf)
      .map((r) => ({ traceId: hex(r.traceID || span.traceID, 32), spanId: hex(r.spanID, 16), attributes: [] })),
    status: message ? { code, message } : { code },
  };
  const traceState = tagValue(span, "w3c.tracestate");
  if (traceState) out.traceState = traceState;
  return out;
}

function toKeyValue(tag: JaegerKeyValue): KeyValue {
  return { key: tag.key, value: toAnyValue(tag) };
}

function toAnyValue(tag: JaegerKeyValue): AnyValue {
  switch (tag.type) {
    case "bool":
      return { boolValue: tag.value === true || tag.value === "true" };
    case "int64":
      return { intValue: String(Math.trunc(Number(tag.value))) };
    case "float64":
      return { doubleValue: Number(tag.value) };
    case "binary":
      return { bytesValue: String(tag.value) };
    default:
      return { stringValue: String(tag.value) };
  }
}
