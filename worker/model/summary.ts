/**
 * A completed trace in one line: what the search index stores per trace.
 */
import { serviceNameOf, StatusCode, type Span, type Trace } from "./span";
import { micros, nanosToMicros, type Micros } from "./time";

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

export function summarizeTrace(trace: Trace): TraceSummary {
  let start = Infinity;
  let end = -Infinity;
  let errorCount = 0;
  const services = new Set<string>();
  const operations = new Set<string>();
  for (const span of trace.spans) {
    start = Math.min(start, nanosToMicros(span.startTimeUnixNano));
    end = Math.max(end, nanosToMicros(span.endTimeUnixNano));
    if (span.status.code === StatusCode.ERROR) errorCount++;
    const service = serviceNameOf(trace.resources[span.resource]);
    services.add(service);
    operations.add(`${service}\t${span.name}`);
  }
  const root = rootSpanOf(trace);
  const empty = trace.spans.length === 0;
  return {
    traceId: trace.traceId,
    startUs: micros(empty ? 0 : start),
    durationUs: micros(empty ? 0 : end - start),
    rootService: root ? serviceNameOf(trace.resources[root.resource]) : "",
    rootOperation: root?.name ?? "",
    spanCount: trace.spans.length,
    errorCount,
    services: [...services].sort(),
    operations: [...operations].sort(),
  };
}

/**
 * The span a trace is named after: the earliest true root; failing that (the root has not
 * arrived, or never will) the earliest orphan, as Jaeger does; failing that the earliest span.
 */
export function rootSpanOf(trace: Trace): Span | undefined {
  const ids = new Set(trace.spans.map((s) => s.spanId));
  let best: Span | undefined;
  let bestRank = Infinity;
  let bestStart = Infinity;
  for (const span of trace.spans) {
    const rank = span.parentSpanId === "" ? 0 : ids.has(span.parentSpanId) ? 2 : 1;
    const start = nanosToMicros(span.startTimeUnixNano);
    if (rank < bestRank || (rank === bestRank && start < bestStart)) {
      best = span;
      bestRank = rank;
      bestStart = start;
    }
  }
  return best;
}
