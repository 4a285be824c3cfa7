/**
 * The index of traces still being assembled, computed inside a trace-assembly object on request
 * (its `pendingIndex()` RPC), so search finds a trace from the moment its spans are acknowledged,
 * not only once it is quiet and written to R2.
 *
 * Digests are remembered per open trace while its parts are unchanged, so a search during steady
 * ingest re-digests only the traces that received spans since the last one.
 */
import { encodeBlockEntries, traceIndexRecord, type EncodedBlock } from "./block-entries";
import { digestOtlp } from "./digest";
import type { TraceDigest } from "./search-entry";

/** What the RPC returns: the same encoding as a stored block, with zero offsets. */
export interface PendingIndex {
  traceIndex: string;
  encoded: EncodedBlock;
}

/** Open traces indexed at most: the most recently active ones, so one search stays bounded. */
export const MAX_PENDING_TRACES = 5_000;

interface OpenTraceLike<P> {
  lastSeen: number;
  parts: P[];
}

/** Keyed by the open trace's parts array: a flush replaces the array, new spans lengthen it. */
const digests = new WeakMap<object, { parts: unknown[]; length: number; digest: TraceDigest }>();

export function indexOpenTraces<P>(open: ReadonlyMap<string, OpenTraceLike<P>>, read: (parts: P[]) => Uint8Array): PendingIndex {
  let traces = [...open];
  if (traces.length > MAX_PENDING_TRACES) {
    traces = traces.sort(([, a], [, b]) => b.lastSeen - a.lastSeen).slice(0, MAX_PENDING_TRACES);
  }
  const list: TraceDigest[] = [];
  for (const [traceId, trace] of traces) {
    const known = digests.get(trace);
    if (known && known.parts === trace.parts && known.length === trace.parts.length) {
      list.push(known.digest);
      continue;
    }
    let digest: TraceDigest;
    try {
      digest = digestOtlp(traceId, read(trace.parts));
    } catch (error) {
      // Checked at ingest, so this is a bug of ours: leave this trace out rather than fail every search.
      console.error(`pending index: cannot digest open trace ${traceId}`, error);
      continue;
    }
    digests.set(trace, { parts: trace.parts, length: trace.parts.length, digest });
    list.push(digest);
  }
  return {
    traceIndex: list.map((d) => traceIndexRecord(d.traceId, { at: 0, length: 0, innerAt: 0, innerLength: 0 })).join(""),
    encoded: encodeBlockEntries(list),
  };
}
