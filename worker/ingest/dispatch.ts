/**
 * Hands a scanned request to the tenant's trace shards: the request's bytes are sliced per trace
 * (slices of at most MAX_SLICE_BYTES, so no stored row can pass the 2 MB limit), grouped by
 * owning shard, one call per shard, all in parallel. It resolves once every shard has written its
 * part durably, which is what lets the OTLP route answer 200.
 */
import { Unauthorized, Unavailable } from "../errors";
import { sliceRequest, spanRefs, type SpanRef } from "../otlp/protobuf-slice";
import type { ScannedRequest } from "../otlp/protobuf-scan";
import { brotliCompressSync, constants } from "node:zlib";
import { MAX_CHUNK_BYTES, MAX_SLICE_BYTES, MAX_SPAN_BYTES, TENANT_GONE, type ShardChunk, type ShardPart } from "../storage/shard-protocol";
import { shardConfig, shardStub, writeShard } from "../storage/shard-routing";
import type { TenantConfig } from "../storage/tenant-directory";

export interface DispatchResult {
  /** Spans refused: larger than a row can hold, or past their trace's size cap. */
  refusedSpans: number;
  refusedMessage: string;
}

export async function dispatchScan(env: Env, config: TenantConfig, scan: ScannedRequest): Promise<DispatchResult> {
  const byTrace = new Map<string, SpanRef[]>();
  let oversized = 0;
  let oversizedTrace = "";
  for (const ref of spanRefs(scan)) {
    if (ref.span.bytes[1] - ref.span.bytes[0] > MAX_SPAN_BYTES) {
      if (oversized++ === 0) oversizedTrace = ref.span.traceId;
      continue;
    }
    const refs = byTrace.get(ref.span.traceId);
    if (refs) refs.push(ref);
    else byTrace.set(ref.span.traceId, [ref]);
  }
  const byShard = new Map<number, Array<{ traceId: string; bytes: Uint8Array; spans: number }>>();
  for (const [traceId, refs] of byTrace) {
    const shard = writeShard(config, traceId);
    const slices = byShard.get(shard) ?? [];
    for (const group of bySize(refs)) slices.push({ traceId, bytes: sliceRequest(scan.body, group), spans: group.length });
    byShard.set(shard, slices);
  }
  // Oversized spans are counted by the first shard called — or, when nothing else is left to send,
  // by the shard of the first one's trace, so every refused span shows in the tenant's usage.
  const parts = [...byShard].map(([shard, slices]): [number, ShardPart] => [shard, shardPart(slices)]);
  if (oversized > 0) {
    const first = parts[0];
    if (first) first[1].oversizedSpans = oversized;
    else parts.push([writeShard(config, oversizedTrace), { chunks: [], spanCount: 0, oversizedSpans: oversized }]);
  }
  let results;
  try {
    results = await Promise.all(parts.map(([shard, part]) => shardStub(env, config.tenantId, shard).append(shardConfig(config), part)));
  } catch (error) {
    if (String(error).includes(TENANT_GONE)) throw new Unauthorized("this account no longer exists");
    // A shard could not make its part durable: the exporter must retry the whole batch (spans
    // already written are deduplicated on read), so answer with a retryable status.
    console.error("ingest: shard append failed", error);
    throw new Unavailable("trace storage is temporarily unavailable; retry", 1);
  }
  const messages: string[] = [];
  let refusedSpans = oversized;
  if (oversized) messages.push(`${oversized} spans larger than ${MAX_SPAN_BYTES} bytes refused`);
  for (const result of results) {
    refusedSpans += result.refusedSpans;
    if (result.refusedMessage) messages.push(result.refusedMessage);
  }
  return { refusedSpans, refusedMessage: messages.join("; ") };
}

/** A trace's spans in groups whose bytes stay under MAX_SLICE_BYTES (a span bigger than that is a group alone). */
function bySize(refs: SpanRef[]): SpanRef[][] {
  const groups: SpanRef[][] = [];
  let group: SpanRef[] = [];
  let size = 0;
  for (const ref of refs) {
    const bytes = ref.span.bytes[1] - ref.span.bytes[0];
    if (group.length > 0 && size + bytes > MAX_SLICE_BYTES) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(ref);
    size += bytes;
  }
  if (group.length) groups.push(group);
  return groups;
}

function shardPart(slices: Array<{ traceId: string; bytes: Uint8Array; spans: number }>): ShardPart {
  const chunks: ShardChunk[] = [];
  let group: typeof slices = [];
  let size = 0;
  let spanCount = 0;
  for (const slice of slices) {
    if (group.length > 0 && size + slice.bytes.byteLength > MAX_CHUNK_BYTES) {
      chunks.push(chunkOf(group, size));
      group = [];
      size = 0;
    }
    group.push(slice);
    size += slice.bytes.byteLength;
    spanCount += slice.spans;
  }
  if (group.length) chunks.push(chunkOf(group, size));
  return { chunks, spanCount };
}

const BROTLI_FASTEST = { params: { [constants.BROTLI_PARAM_QUALITY]: 0 } };

function chunkOf(slices: Array<{ traceId: string; bytes: Uint8Array; spans: number }>, size: number): ShardChunk {
  const raw = new Uint8Array(size);
  const entries: ShardChunk["slices"] = [];
  let offset = 0;
  for (const slice of slices) {
    raw.set(slice.bytes, offset);
    entries.push([slice.traceId, offset, slice.bytes.byteLength, slice.spans]);
    offset += slice.bytes.byteLength;
  }
  return { body: new Uint8Array(brotliCompressSync(raw, BROTLI_FASTEST)), rawBytes: size, slices: entries };
}
