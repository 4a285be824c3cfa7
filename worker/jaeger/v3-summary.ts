/**
 * `GET /api/v3/trace-summaries` items: a trace in one line, from its (unadjusted) spans plus the
 * orphan count adjust.ts found.
 */
import { compareNanos } from "../model/time";
import { digestsOf, rootOf } from "../model/summary";
import { serviceNameOf, StatusCode, type Trace } from "../model/span";
import type { V3TraceSummary } from "./v3-types";

export function toTraceSummary(trace: Trace, orphanSpanCount: number): V3TraceSummary {
  let minStart = "";
  let maxEnd = "";
  let errors = 0;
  const services = new Map<string, { name: string; spanCount: number; errorSpanCount: number }>();
  for (const span of trace.spans) {
    if (!minStart || compareNanos(span.startTimeUnixNano, minStart) < 0) minStart = span.startTimeUnixNano;
    if (!maxEnd || compareNanos(span.endTimeUnixNano, maxEnd) > 0) maxEnd = span.endTimeUnixNano;
    const failed = span.status.code === StatusCode.ERROR;
    if (failed) errors++;
    const name = serviceNameOf(trace.resources[span.resource]);
    const service = services.get(name) ?? { name, spanCount: 0, errorSpanCount: 0 };
    service.spanCount++;
    if (failed) service.errorSpanCount++;
    services.set(name, service);
  }
  const root = rootOf(digestsOf(trace));
  return {
    traceId: trace.traceId,
    rootServiceName: root?.service ?? "",
    rootOperationName: root?.name ?? "",
    minStartTimeUnixNano: minStart || "0",
    maxEndTimeUnixNano: maxEnd || "0",
    spanCount: trace.spans.length,
    errorSpanCount: errors,
    orphanSpanCount,
    services: [...services.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}
