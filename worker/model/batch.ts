/**
 * Building and merging span batches: resources and scopes stored once, spans deduplicated by
 * span id (exporters resend whole batches on retry, so duplicates are normal, not an error).
 */
import type { Resource, Scope, Span, SpanBatch, Trace } from "./span";

export class BatchBuilder {
  private readonly resourceIndex = new Map<string, number>();
  private readonly scopeIndex = new Map<string, number>();
  readonly batch: SpanBatch = { resources: [], scopes: [], spans: [] };

  /** Index of `resource` in this batch, adding it once: equal resources share an index. */
  resource(resource: Resource): number {
    return intern(this.resourceIndex, this.batch.resources, resource);
  }

  scope(scope: Scope): number {
    return intern(this.scopeIndex, this.batch.scopes, scope);
  }

  /** Adds a span whose `resource`/`scope` indexes point into `from`. */
  addFrom(from: SpanBatch, span: Span): void {
    // Remapping per source batch keeps JSON keying to once per resource, not once per span.
    let remap = this.remaps.get(from);
    if (!remap) this.remaps.set(from, (remap = { resources: [], scopes: [] }));
    const resource = (remap.resources[span.resource] ??= this.resource(
      from.resources[span.resource] ?? { attributes: [] },
    ));
    const scope = (remap.scopes[span.scope] ??= this.scope(from.scopes[span.scope] ?? { name: "" }));
    this.batch.spans.push({ ...span, resource, scope });
  }

  private readonly remaps = new Map<SpanBatch, { resources: number[]; scopes: number[] }>();
}

function intern<T>(index: Map<string, number>, list: T[], value: T): number {
  const key = JSON.stringify(value);
  let at = index.get(key);
  if (at === undefined) {
    at = list.push(value) - 1;
    index.set(key, at);
  }
  return at;
}

/**
 * Merges everything known about one trace. A span id seen twice keeps its last copy: a retry
 * carries the same span, and a later copy is never less complete than an earlier one.
 */
export function mergeTrace(traceId: string, parts: Iterable<SpanBatch>): Trace {
  const latest = new Map<string, { from: SpanBatch; span: Span }>();
  for (const part of parts) {
    for (const span of part.spans) {
      if (span.traceId === traceId) latest.set(span.spanId, { from: part, span });
    }
  }
  const builder = new BatchBuilder();
  for (const { from, span } of latest.values()) builder.addFrom(from, span);
  return { traceId, ...builder.batch };
}
