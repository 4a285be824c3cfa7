/**
 * What the Worker and a trace shard (durable-objects/trace-shard.ts) say to each other over RPC.
 * Both sides depend on this file; neither imports the other.
 */
import type { PendingIndex } from "../trace-index/pending-index";
import type { Extent, MemberPlace } from "../trace-index/block-format";
import type { StorageUsage, StoredNow, UsageDay } from "./usage";
import type { TailPolicy } from "../sampling/tail-policy";

/** The tenant settings a shard acts on (from the tenant directory, passed with every call). */
export interface ShardConfig {
  tenantId: string;
  retentionDays: number;
  /** The tenant's current shard count: where a shard forwards what belongs to another's trace. */
  shards: number;
  /** Which completed traces to store (decided after they are counted in the graph and metrics). */
  tail: TailPolicy;
}

/**
 * One request's spans for one shard, in chunks. A chunk is slices of OTLP protobuf back to back —
 * one or more per trace — compressed together with brotli (quality 0) by the Worker: 231 KB of
 * HotROD spans become 35 KB in 0.4 ms, and every later step (the RPC, the pending row, the flush's
 * read) moves a sixth of the bytes. Chunks hold at most MAX_CHUNK_BYTES before compression, so even
 * incompressible spans fit a 2 MB row.
 */
export interface ShardPart {
  chunks: ShardChunk[];
  spanCount: number;
  /**
   * Spans of this request the Worker refused as larger than MAX_SPAN_BYTES: told to one shard,
   * which counts them in its day's usage with the spans it refuses itself (nothing else counts them).
   */
  oversizedSpans?: number;
}

export interface ShardChunk {
  /** brotli of the slices back to back. */
  body: Uint8Array;
  /** Bytes before compression. */
  rawBytes: number;
  /** [traceId, byte offset, byte length, span count] of each slice in the uncompressed chunk. */
  slices: Array<[string, number, number, number]>;
}

/** Uncompressed bytes of a chunk, at most (a single slice larger than this is a chunk alone). */
export const MAX_CHUNK_BYTES = 1_024 * 1024;
/** A slice never exceeds this, unless it is a single span (MAX_SPAN_BYTES bounds those). */
export const MAX_SLICE_BYTES = 512 * 1024;
/** A span larger than this is refused at ingest (partial success): it could not be stored in a row. */
export const MAX_SPAN_BYTES = 1_500_000;
/**
 * The most OTLP bytes one trace may hold. Spans beyond it are refused (partial success) while the
 * trace stays readable: a trace is read, assembled and shown whole, and one without bound would
 * exhaust a reader's 128 MB.
 */
export const MAX_TRACE_BYTES = 16 * 1024 * 1024;

export interface AppendResult {
  /** Spans refused because their trace reached MAX_TRACE_BYTES. */
  refusedSpans: number;
  refusedMessage: string;
}

/** A stored copy of (part of) a trace: where its bytes are in which block (block-format.ts). */
export interface SegmentLocation extends MemberPlace {
  key: string;
}

/**
 * Everything a shard holds of one trace, as of one moment: the shard answers from one
 * synchronous read of its state, so a flush moving spans from pending rows to R2 cannot make a
 * concurrent read miss them.
 */
export interface TraceCopies {
  pending: Uint8Array | null;
  segments: SegmentLocation[];
}

/** Optional bounds on when a trace ran (Jaeger v3's start/end hints), µs. */
export interface TimeHints {
  startUs?: number;
  endUs?: number;
}

/** What search asks a shard for: blocks that may hold a match. */
export interface BlockFilter {
  startUs: number;
  endUs: number;
  service: string;
  operation: string;
  /** Terms every matching span needs (tested against each block's filter). */
  terms: number[];
}

/** A block search may visit, without its index (read from R2 on demand). */
export interface BlockRef {
  key: string;
  shard: number;
  maxStartUs: number;
  search: Extent;
  terms: Extent | null;
}

export interface ShardSearchPlan {
  blocks: BlockRef[];
  pending: PendingIndex;
}

export interface ShardCatalog {
  /** [service, operation, span kind (-1 unknown)]. */
  operations: Array<[string, string, number]>;
}

export interface ShardUsageReport {
  usage: StorageUsage;
  openTraces: number;
  days: UsageDay[];
  stored: StoredNow;
}

/** Thrown (by name, across RPC) when the shard's tenant is gone or going. */
export const TENANT_GONE = "TenantGone";
