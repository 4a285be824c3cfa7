/**
 * A completed trace in one line: what the search index stores per trace. Computed from span
 * digests — the few fields a summary needs — so it can be made from a fast protobuf scan as well
 * as from fully decoded spans.
 */
import { serviceNameOf, StatusCode, type Trace } from "./span";
import { micros, nanosToMicros, type Micros } from "./time";

export interface SpanDigest {
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  startUs: Micros;
  endUs: Micros;
  error: boolean;
}

export interface TraceSummary {
  traceId: string;
  startUs: Micros;
  durationUs: Micros;
  rootService: string;
  rootOperation: string;
  spanCount: number;
  errorCount: number;
  services: string[];
  /** "service\toperation" pairs. */
  operations: string[];
}

export function digestsOf(trace: Trace): SpanDigest[] {
  return trace.spans.map((span) => ({
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    service: serviceNameOf(trace.resources[span.resource]),
    startUs: nanosToMicros(span.startTimeUnixNano),
    endUs: nanosToMicros(span.endTimeUnixNano),
    error: span.status.code === StatusCode.ERROR,
  }));
}

export function summarize(traceId: string, spans: SpanDigest[]): TraceSummary {
  let start = Infinity;
  let end = -Infinity;
  let errorCount = 0;
  const services = new Set<string>();
  const operations = new Set<string>();
  for (const span of spans) {
    start = Math.min(start, span.startUs);
    end = Math.max(end, span.endUs);
    if (span.error) errorCount++;
    services.add(span.service);
    operations.add(`${span.service}\t${span.name}`);
  }
  const root = rootOf(spans);
  const empty = spans.length === 0;
  return {
    traceId,
    startUs: micros(empty ? 0 : start),
    durationUs: micros(empty ? 0 : end - start),
    rootService: root?.service ?? "",
    rootOperation: root?.name ?? "",
    spanCount: spans.length,
    errorCount,
    services: [...services].sort(),
    operations: [...operations].sort(),
  };
}

/**
 * The span a trace is named after: the earliest true root; failing that (the root has not
 * arrived, or never will) the earliest orphan, as Jaeger does; failing that the earliest span.
 */
export function rootOf<T extends SpanDigest>(spans: T[]): T | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  let best: T | undefined;
  let bestRank = Infinity;
  for (const span of spans) {
    const rank = span.parentSpanId === "" ? 0 : ids.has(span.parentSpanId) ? 2 : 1;
    if (rank < bestRank || (rank === bestRank && best && span.startUs < best.startUs)) {
      best = span;
      bestRank = rank;
    }
  }
  return best;
}
