/**
 * The fragments of one broken request shown as one trace: what the broken-propagation detector
 * found (`$propagation/detect`: which fragment's root hangs under which span of another trace)
 * applied to copies of the Jaeger traces, for the view only — nothing stored is changed, and every
 * span taken from another trace carries a tag naming the trace it came from.
 */
import type { JaegerSpan, JaegerTrace } from "$jaeger/v1-types";
import type { StitchPoint } from "$propagation/detect";

/** The tag a stitched-in span carries: the id of the trace it is stored in. */
export const STITCHED_FROM = "edgetrace.stitched_from";

/** Jaeger shortens ids whose high half is zero; compare them at full length. */
const full = (id: string) => id.padStart(32, "0");

/**
 * One trace made of `traces` (the first one names it; the others' spans join it), each stitch
 * point's span given a CHILD_OF parent in the trace it belongs under.
 */
export function stitchTraces(traces: readonly JaegerTrace[], points: readonly StitchPoint[]): JaegerTrace {
  const [base, ...others] = traces;
  if (!base) throw new Error("nothing to stitch");
  const processes: JaegerTrace["processes"] = { ...base.processes };
  const spans: JaegerSpan[] = [...base.spans];
  others.forEach((trace, i) => {
    // Process ids are per trace ("p1", "p2"…): prefixed so two traces' processes stay apart.
    const prefix = `f${i + 1}-`;
    for (const [id, process] of Object.entries(trace.processes)) processes[prefix + id] = process;
    const own = full(trace.traceID);
    for (const span of trace.spans) {
      const point = points.find((p) => full(p.traceId) === own && p.spanId === span.spanID);
      const references = span.references.map((r) => (full(r.traceID || trace.traceID) === own ? { ...r, traceID: base.traceID } : r));
      spans.push({
        ...span,
        traceID: base.traceID,
        processID: prefix + span.processID,
        references: point ? [{ refType: "CHILD_OF", traceID: base.traceID, spanID: point.parentSpanId }, ...references.filter((r) => r.refType !== "CHILD_OF")] : references,
        tags: [...span.tags, { key: STITCHED_FROM, type: "string", value: trace.traceID }],
      });
    }
  });
  const joined = others.length === 1 ? "1 other trace" : `${others.length} other traces`;
  return {
    traceID: base.traceID,
    spans,
    processes,
    warnings: [...(base.warnings ?? []), `Stitched view: ${joined} joined to this one where the context was lost; the stored traces are unchanged`],
  };
}
