/**
 * One trace from every copy of it we hold (R2 blocks, the trace-assembly object's pending spans).
 * A span id seen twice with the same content is one span sent twice (exporters retry; late copies
 * repeat earlier ones): it is kept once. Two DIFFERENT spans with one id are both kept — dropping
 * either would hide data — and adjust.ts reports (or, for a client/server pair, fixes) them.
 */
import { BatchBuilder } from "../model/batch";
import type { Span, SpanBatch, Trace } from "../model/span";

interface Copy {
  from: SpanBatch;
  span: Span;
  fingerprint?: string;
}

/** The span's whole content with its resource and scope, independent of index positions. */
function fingerprint(copy: Copy): string {
  copy.fingerprint ??= JSON.stringify([
    { ...copy.span, resource: 0, scope: 0 },
    copy.from.resources[copy.span.resource],
    copy.from.scopes[copy.span.scope],
  ]);
  return copy.fingerprint;
}

export function assembleTrace(traceId: string, parts: Iterable<SpanBatch>): Trace {
  const byId = new Map<string, Copy[]>();
  for (const from of parts) {
    for (const span of from.spans) {
      if (span.traceId !== traceId) continue;
      const copy: Copy = { from, span };
      const copies = byId.get(span.spanId);
      if (!copies) {
        byId.set(span.spanId, [copy]);
        continue;
      }
      // Fingerprints only for ids seen twice: the common case costs one map lookup.
      const same = copies.findIndex((other) => fingerprint(other) === fingerprint(copy));
      if (same >= 0) copies[same] = copy;
      else copies.push(copy);
    }
  }
  const builder = new BatchBuilder();
  for (const copies of byId.values()) for (const { from, span } of copies) builder.addFrom(from, span);
  return { traceId, ...builder.batch };
}
