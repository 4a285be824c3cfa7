/**
 * One line of the search result list, from a Jaeger trace: its root, when it started, how long it
 * took, and which services took part. Cheap on purpose: a search may return hundreds of traces,
 * and the full trace model (web/src/lib/trace) is only built when one is opened.
 */
import type { JaegerSpan, JaegerTrace } from "$jaeger/v1-types";
import type { Micros } from "$model/time";

export interface ServiceCount {
  name: string;
  spans: number;
  errors: number;
}

export interface TraceSummary {
  traceID: string;
  rootService: string;
  rootOperation: string;
  /** False when no span of the trace is without a parent in it (the root has not arrived). */
  hasRoot: boolean;
  start: Micros;
  duration: Micros;
  spanCount: number;
  errorCount: number;
  /** Most spans first. */
  services: ServiceCount[];
}

/** Jaeger marks a failed span with the tag error=true (bool, or the string from some clients). */
export function isErrorSpan(span: JaegerSpan): boolean {
  return span.tags.some((tag) => tag.key === "error" && (tag.value === true || tag.value === "true"));
}

export function summarizeTrace(trace: JaegerTrace): TraceSummary {
  const ids = new Set(trace.spans.map((span) => span.spanID));
  const serviceOf = (span: JaegerSpan) => trace.processes[span.processID]?.serviceName ?? "unknown";
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let root: JaegerSpan | undefined;
  let errorCount = 0;
  const services = new Map<string, ServiceCount>();
  for (const span of trace.spans) {
    start = Math.min(start, span.startTime);
    end = Math.max(end, span.startTime + span.duration);
    const error = isErrorSpan(span);
    if (error) errorCount++;
    const name = serviceOf(span);
    const count = services.get(name) ?? { name, spans: 0, errors: 0 };
    count.spans++;
    if (error) count.errors++;
    services.set(name, count);
    // The root: a span with no parent in this trace; the earliest if several.
    const hasParent = span.references.some((ref) => ref.traceID === trace.traceID && ids.has(ref.spanID));
    if (!hasParent && (!root || span.startTime < root.startTime)) root = span;
  }
  const first = root ?? trace.spans.reduce<JaegerSpan | undefined>((a, b) => (!a || b.startTime < a.startTime ? b : a), undefined);
  const empty = trace.spans.length === 0;
  return {
    traceID: trace.traceID,
    rootService: first ? serviceOf(first) : "unknown",
    rootOperation: first?.operationName ?? "(no spans)",
    hasRoot: root !== undefined,
    start: (empty ? 0 : start) as Micros,
    duration: (empty ? 0 : end - start) as Micros,
    spanCount: trace.spans.length,
    errorCount,
    services: [...services.values()].sort((a, b) => b.spans - a.spans || a.name.localeCompare(b.name)),
  };
}

export const SORTS = [
  { value: "recent", label: "Most recent" },
  { value: "longest", label: "Longest first" },
  { value: "shortest", label: "Shortest first" },
  { value: "spans", label: "Most spans" },
] as const;
export type SortKey = (typeof SORTS)[number]["value"];

export function isSortKey(value: string | null): value is SortKey {
  return SORTS.some((sort) => sort.value === value);
}

/** A sorted copy; ties fall back to the most recent, then the trace id, so the order is stable. */
export function sortSummaries(summaries: readonly TraceSummary[], key: SortKey): TraceSummary[] {
  const primary: Record<SortKey, (a: TraceSummary, b: TraceSummary) => number> = {
    recent: () => 0,
    longest: (a, b) => b.duration - a.duration,
    shortest: (a, b) => a.duration - b.duration,
    spans: (a, b) => b.spanCount - a.spanCount,
  };
  return [...summaries].sort((a, b) => primary[key](a, b) || b.start - a.start || a.traceID.localeCompare(b.traceID));
}
