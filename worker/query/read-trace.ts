/**
 * Reads one trace of one tenant: from each shard that may hold it (one per shard count the tenant
 * has had), one call returns its pending spans and the R2 members of its stored segments as of one
 * moment — so a read racing a flush cannot miss acknowledged spans — then the members are read
 * with ranged GETs and every copy is merged.
 */
import type { SpanBatch, Trace } from "../model/span";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
import { decodeFrame, innerBytes, readExtent } from "../trace-index/block-format";
import { TENANT_GONE, type SegmentLocation, type TimeHints } from "../storage/shard-protocol";
import { readShards, shardConfig, shardStub } from "../storage/shard-routing";
import type { TenantConfig } from "../storage/tenant-directory";
import { assembleTrace } from "./assemble";

export async function readTrace(env: Env, config: TenantConfig, traceId: string, hints?: TimeHints): Promise<Trace | null> {
  const parts = await readTraceParts(env, config, traceId, hints);
  return parts.length === 0 ? null : assembleTrace(traceId, parts);
}

/** Every copy of a trace's spans we hold, undecided about duplicates (see assemble.ts). */
export async function readTraceParts(env: Env, config: TenantConfig, traceId: string, hints?: TimeHints): Promise<SpanBatch[]> {
  const copies = await Promise.all(readShards(config, traceId).map((shard) => shardStub(env, config.tenantId, shard).lookup(shardConfig(config), traceId, hints)));
  const segments = copies.flatMap((c) => c.segments);
  const stored = await readMembers(env.TRACES, segments);
  for (const copy of copies) if (copy.pending) stored.push(decodeSpans(copy.pending));
  return stored;
}

/**
 * Decoded frames by "key@offset", shared by the reads of one request: a frame holds several
 * traces, and a search page reads many of one block.
 */
export type FrameCache = Map<string, Promise<Uint8Array | null>>;

/** Stored copies, read in parallel; a member whose block is gone (expired, compacted) is skipped. */
export async function readMembers(bucket: R2Bucket, segments: SegmentLocation[], frames: FrameCache = new Map()): Promise<SpanBatch[]> {
  const members = await Promise.all(
    segments.map(async (s) => {
      const id = `${s.key}@${s.at}`;
      let frame = frames.get(id);
      if (!frame) {
        frame = readExtent(bucket, s.key, s).then((bytes) => bytes && decodeFrame(bytes));
        frames.set(id, frame);
      }
      const bytes = await frame;
      return bytes && innerBytes(bytes, s);
    }),
  );
  return members.filter((bytes): bytes is Uint8Array => bytes !== null).map(decodeSpans);
}

export function decodeSpans(bytes: Uint8Array): SpanBatch {
  return decodeProtobufRequest(bytes).batch;
}

/** What a shard needs to know of its tenant on every call. */

export function isTenantGone(error: unknown): boolean {
  return String(error).includes(TENANT_GONE);
}

const HEX_ID = /^[0-9a-f]{1,32}$/;

/** A trace id as users type it (16 or 32 hex digits, any case) in our 32-digit form, or null. */
export function parseTraceId(text: string): string | null {
  const id = text.trim().toLowerCase();
  return HEX_ID.test(id) ? id.padStart(32, "0") : null;
}
