/**
 * Hands a decoded batch to the trace-assembly Durable Objects: spans grouped by owning shard,
 * one call per shard, all in parallel. It resolves only once every shard has written its part
 * durably, which is what lets the OTLP route answer 200.
 */
import { Unavailable } from "../errors";
import type { Span, SpanBatch } from "../model/span";
import { shardCount, shardOf, traceShard } from "./shards";

export async function dispatchBatch(env: Env, tenantId: string, batch: SpanBatch): Promise<void> {
  const shards = shardCount(env);
  const shardOfTrace = new Map<string, number>();
  const groups = new Map<number, { spans: Span[]; traceIds: string[] }>();
  for (const span of batch.spans) {
    let shard = shardOfTrace.get(span.traceId);
    if (shard === undefined) {
      shard = shardOf(tenantId, span.traceId, shards);
      shardOfTrace.set(span.traceId, shard);
      let group = groups.get(shard);
      if (!group) groups.set(shard, (group = { spans: [], traceIds: [] }));
      group.traceIds.push(span.traceId);
    }
    (groups.get(shard) as { spans: Span[] }).spans.push(span);
  }
  try {
    await Promise.all(
      [...groups].map(([shard, group]) =>
        // Resources and scopes go whole: a request rarely has more than one or two, and sharing
        // them keeps every span's indexes valid without remapping.
        traceShard(env, tenantId, shard).append(
          tenantId,
          JSON.stringify({ resources: batch.resources, scopes: batch.scopes, spans: group.spans }),
          group.traceIds,
          group.spans.length,
        ),
      ),
    );
  } catch (error) {
    // A shard could not make its part durable: the exporter must retry the whole batch (spans
    // already written are deduplicated by span id), so answer with a retryable status.
    console.error("ingest: shard append failed", error);
    throw new Unavailable("trace storage is temporarily unavailable; retry", 1);
  }
}
