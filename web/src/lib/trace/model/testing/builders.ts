/**
 * Small builders for trace-model tests: Jaeger spans and traces from a few readable fields.
 *
 *   makeTrace([
 *     { id: "a", service: "frontend", op: "GET /", start: 0, duration: 100 },
 *     { id: "b", parent: "a", service: "db", op: "SELECT", start: 10, duration: 20 },
 *   ])
 *
 * Times are µs relative to BASE (a fixed epoch instant), so tests read in small numbers.
 * No runtime imports: the benchmark runs this under plain Node, which strips types only.
 */
import type { JaegerKeyValue, JaegerLog, JaegerReference, JaegerSpan, JaegerTrace } from "../../../../../../worker/jaeger/v1-types";
import type { Micros } from "../../../../../../worker/model/time";

export const TRACE_ID = "5b8efff798038103d269b633813fc60c";
/** 2023-11-14T22:13:20Z in µs. */
export const BASE = 1_700_000_000_000_000;

export interface SpanSpec {
  id: string;
  parent?: string;
  /** Reference type to `parent`; CHILD_OF by default. */
  refType?: JaegerReference["refType"];
  service?: string;
  op?: string;
  /** µs after BASE. */
  start?: number;
  duration?: number;
  kind?: string;
  error?: boolean;
  tags?: Record<string, string | number | boolean>;
  logs?: { at: number; fields: Record<string, string | number | boolean> }[];
  /** FOLLOWS_FROM references to spans (of this or another trace). */
  links?: { spanId: string; traceId?: string }[];
  traceId?: string;
}

export function tag(key: string, value: string | number | boolean): JaegerKeyValue {
  const type = typeof value === "boolean" ? "bool" : typeof value === "number" ? (Number.isInteger(value) ? "int64" : "float64") : "string";
  return { key, type, value };
}

const us = (n: number) => n as Micros;

/** A Jaeger span; `service` picks the process id `p:<service>` that `makeTrace` creates. */
export function makeSpan(spec: SpanSpec): JaegerSpan {
  const traceID = spec.traceId ?? TRACE_ID;
  const references: JaegerReference[] = [];
  if (spec.parent) references.push({ refType: spec.refType ?? "CHILD_OF", traceID, spanID: spec.parent });
  for (const link of spec.links ?? []) references.push({ refType: "FOLLOWS_FROM", traceID: link.traceId ?? traceID, spanID: link.spanId });
  const tags = Object.entries(spec.tags ?? {}).map(([k, v]) => tag(k, v));
  if (spec.kind) tags.push(tag("span.kind", spec.kind));
  if (spec.error) tags.push(tag("otel.status_code", "ERROR"), tag("error", true));
  const logs: JaegerLog[] = (spec.logs ?? []).map((log) => ({
    timestamp: us(BASE + log.at),
    fields: Object.entries(log.fields).map(([k, v]) => tag(k, v)),
  }));
  return {
    traceID,
    spanID: spec.id,
    flags: 1,
    operationName: spec.op ?? spec.id,
    references,
    startTime: us(BASE + (spec.start ?? 0)),
    duration: us(spec.duration ?? 0),
    tags,
    logs,
    processID: `p:${spec.service ?? "svc"}`,
    warnings: null,
  };
}

export function makeTrace(specs: SpanSpec[], options: { traceId?: string; processTags?: Record<string, JaegerKeyValue[]> } = {}): JaegerTrace {
  const spans = specs.map((s) => makeSpan({ traceId: options.traceId, ...s }));
  const processes: JaegerTrace["processes"] = {};
  for (const span of spans) {
    const serviceName = span.processID.slice(2);
    processes[span.processID] ??= { serviceName, tags: options.processTags?.[serviceName] ?? [tag("host.name", `${serviceName}-1`)] };
  }
  return { traceID: options.traceId ?? TRACE_ID, spans, processes, warnings: null };
}
