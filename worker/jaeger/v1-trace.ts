/**
 * Our span model → Jaeger v1 JSON, following Jaeger's own OTLP translator: span kind becomes a
 * `span.kind` tag, status becomes `otel.status_code` (+ `error=true`, `otel.status_description`),
 * the parent a CHILD_OF reference, links FOLLOWS_FROM references, events logs, and each resource a
 * process. Adjustment warnings (worker/query/adjust.ts) go to the spans' and the trace's `warnings`.
 */
import { plainValue } from "../model/any-value";
import { SERVICE_NAME, serviceNameOf, StatusCode, type AnyValue, type KeyValue, type Span, type Trace } from "../model/span";
import { durationMicros, nanosToMicros } from "../model/time";
import type { JaegerKeyValue, JaegerProcess, JaegerSpan, JaegerTrace } from "./v1-types";

const KIND_NAMES = ["", "internal", "server", "client", "producer", "consumer"] as const;
const STATUS_NAMES = ["", "OK", "ERROR"] as const;

/** Jaeger prints a trace id as 16 hex digits when its high 64 bits are zero. */
export function jaegerTraceId(traceId: string): string {
  return traceId.startsWith("0000000000000000") ? traceId.slice(16) : traceId;
}

/** What adjust.ts found, if the trace went through it. */
export interface TraceWarnings {
  spanWarnings: ReadonlyMap<Span, string[]>;
  warnings: string[];
}

export function toJaegerTrace(trace: Trace, adjustments?: TraceWarnings): JaegerTrace {
  const processes: Record<string, JaegerProcess> = {};
  const processIds = new Map<number, string>();
  const processOf = (resourceIndex: number): string => {
    let id = processIds.get(resourceIndex);
    if (!id) {
      id = `p${processIds.size + 1}`;
      processIds.set(resourceIndex, id);
      const resource = trace.resources[resourceIndex];
      processes[id] = {
        serviceName: serviceNameOf(resource),
        tags: (resource?.attributes ?? []).filter((kv) => kv.key !== SERVICE_NAME).map(toJaegerTag),
      };
    }
    return id;
  };
  // Start times parsed once, not twice per comparison: a 10,000-span sort compares ~130,000 times,
  // and that was a third of this function's time. (Array sort is stable: equal starts keep their order.)
  const spans = trace.spans
    .map((span) => ({ span, start: nanosToMicros(span.startTimeUnixNano) }))
    .sort((a, b) => a.start - b.start)
    .map(({ span }) => toJaegerSpan(trace, span, processOf(span.resource), adjustments?.spanWarnings.get(span) ?? null));
  const warnings = adjustments?.warnings.length ? adjustments.warnings : null;
  return { traceID: jaegerTraceId(trace.traceId), spans, processes, warnings };
}

function toJaegerSpan(trace: Trace, span: Span, processID: string, warnings: string[] | null): JaegerSpan {
  const traceID = jaegerTraceId(span.traceId);
  const references: JaegerSpan["references"] = [];
  if (span.parentSpanId) references.push({ refType: "CHILD_OF", traceID, spanID: span.parentSpanId });
  for (const link of span.links) references.push({ refType: "FOLLOWS_FROM", traceID: jaegerTraceId(link.traceId), spanID: link.spanId });
  return {
    traceID,
    spanID: span.spanId,
    flags: (span.flags ?? 1) & 0xff,
    operationName: span.name,
    references,
    startTime: nanosToMicros(span.startTimeUnixNano),
    duration: durationMicros(span.startTimeUnixNano, span.endTimeUnixNano),
    tags: spanTags(trace, span),
    logs: span.events.map((event) => ({
      timestamp: nanosToMicros(event.timeUnixNano),
      fields: [{ key: "event", type: "string" as const, value: event.name }, ...event.attributes.map(toJaegerTag)],
    })),
    processID,
    warnings,
  };
}

function spanTags(trace: Trace, span: Span): JaegerKeyValue[] {
  const tags = span.attributes.map(toJaegerTag);
  const scope = trace.scopes[span.scope];
  if (scope?.name) tags.push({ key: "otel.scope.name", type: "string", value: scope.name });
  if (scope?.version) tags.push({ key: "otel.scope.version", type: "string", value: scope.version });
  const kind = KIND_NAMES[span.kind];
  if (kind) tags.push({ key: "span.kind", type: "string", value: kind });
  const status = STATUS_NAMES[span.status.code];
  if (status) tags.push({ key: "otel.status_code", type: "string", value: status });
  if (span.status.code === StatusCode.ERROR) tags.push({ key: "error", type: "bool", value: true });
  if (span.status.message) tags.push({ key: "otel.status_description", type: "string", value: span.status.message });
  if (span.traceState) tags.push({ key: "w3c.tracestate", type: "string", value: span.traceState });
  return tags;
}

export function toJaegerTag({ key, value }: KeyValue): JaegerKeyValue {
  if ("stringValue" in value) return { key, type: "string", value: value.stringValue };
  if ("boolValue" in value) return { key, type: "bool", value: value.boolValue };
  if ("intValue" in value) return { key, type: "int64", value: Number(value.intValue) };
  if ("doubleValue" in value) return { key, type: "float64", value: value.doubleValue };
  if ("bytesValue" in value) return { key, type: "binary", value: value.bytesValue };
  // Arrays and maps have no Jaeger type: like Jaeger's translator, send them as JSON text.
  return { key, type: "string", value: JSON.stringify(plainValue(value)) };
}

