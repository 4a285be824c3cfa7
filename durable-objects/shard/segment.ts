/**
 * One trace's bytes made ready for a block: other traces' spans (a shared frame's) and duplicate
 * spans removed (exporters resend whole batches on retry; see span-identity.ts), and its search
 * digest computed. Null for bytes that no longer scan — they were checked at ingest, so that would
 * be storage corruption: logged loudly and dropped, rather than failing (and retrying) every flush
 * that holds the trace.
 */
import { scanExportRequest } from "../../worker/otlp/protobuf-scan";
import { sliceRequest, spanRefs, type SpanRef } from "../../worker/otlp/protobuf-slice";
import type { BlockTrace } from "../../worker/trace-index/block-format";
import { digestOtlp } from "../../worker/trace-index/digest";
import { spanCopyKey } from "../../worker/trace-index/span-identity";
import type { GraphSpan } from "../../worker/model/service-graph";

/** With `graph`, the trace's spans' service-graph facts are added to it (the digest's own pass). */
export function prepareTrace(traceId: string, bytes: Uint8Array, graph: GraphSpan[] | null = null): BlockTrace | null {
  try {
    const scan = scanExportRequest(bytes);
    const unique = new Map<string, SpanRef>();
    for (const ref of spanRefs(scan)) if (ref.span.traceId === traceId) unique.set(spanCopyKey(bytes, ref), ref);
    const deduplicated = unique.size < scan.spanCount ? sliceRequest(bytes, [...unique.values()]) : bytes;
    return { traceId, bytes: deduplicated, digest: digestOtlp(traceId, deduplicated, graph) };
  } catch (error) {
    console.error(`trace shard: stored spans of trace ${traceId} no longer decode; dropping them`, error);
    return null;
  }
}

/** A trace known to hold no duplicate spans (one slice of one request): only its digest to compute. */
export function digestOnly(traceId: string, bytes: Uint8Array, graph: GraphSpan[] | null = null): BlockTrace | null {
  const before = graph?.length ?? 0;
  try {
    return { traceId, bytes, digest: digestOtlp(traceId, bytes, graph) };
  } catch {
    if (graph) graph.length = before;
    return prepareTrace(traceId, bytes, graph);
  }
}

/** Lets queued requests (appends, reads) run between stretches of CPU work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
