/**
 * Hands a scanned request to the trace-assembly Durable Objects: the request's bytes are sliced
 * into one small OTLP request per trace, the slices grouped by owning shard, one call per shard,
 * all in parallel. It resolves only once every shard has written its part durably, which is what
 * lets the OTLP route answer 200.
 */
import { Unavailable } from "../errors";
import { sliceRequest, spanRefs, type SpanRef } from "../otlp/protobuf-slice";
import type { ScannedRequest } from "../otlp/protobuf-scan";
import { shardCount, shardOf, traceShard } from "./shards";

/** A shard's part of a request: the traces' slices back to back, and where each one is. */
export interface ShardPart {
  body: Uint8Array;
  /** [traceId, byte offset, byte length] for each trace in `body`. */
  traces: Array<[string, number, number]>;
  spanCount: number;
}

export async function dispatchScan(env: Env, tenantId: string, scan: ScannedRequest): Promise<void> {
  const byTrace = new Map<string, SpanRef[]>();
  for (const ref of spanRefs(scan)) {
    const refs = byTrace.get(ref.span.traceId);
    if (refs) refs.push(ref);
    else byTrace.set(ref.span.traceId, [ref]);
  }
  const shards = shardCount(env);
  const byShard = new Map<number, Array<{ traceId: string; bytes: Uint8Array; spans: number }>>();
  for (const [traceId, refs] of byTrace) {
    const shard = shardOf(tenantId, traceId, shards);
    const slices = byShard.get(shard) ?? [];
    slices.push({ traceId, bytes: sliceRequest(scan.body, refs), spans: refs.length });
    byShard.set(shard, slices);
  }
  try {
    await Promise.all(
      [...byShard].map(([shard, slices]) => traceShard(env, tenantId, shard).append(tenantId, shardPart(slices))),
    );
  } catch (error) {
    // A shard could not make its part durable: the exporter must retry the whole batch (spans
    // already written are deduplicated by span id on read), so answer with a retryable status.
    console.error("ingest: shard append failed", error);
    throw new Unavailable("trace storage is temporarily unavailable; retry", 1);
  }
}

function shardPart(slices: Array<{ traceId: string; bytes: Uint8Array; spans: number }>): ShardPart {
  const body = new Uint8Array(slices.reduce((n, s) => n + s.bytes.byteLength, 0));
  const traces: ShardPart["traces"] = [];
  let offset = 0;
  let spanCount = 0;
  for (const slice of slices) {
    body.set(slice.bytes, offset);
    traces.push([slice.traceId, offset, slice.bytes.byteLength]);
    offset += slice.bytes.byteLength;
    spanCount += slice.spans;
  }
  return { body, traces, spanCount };
}
