/**
 * Reads one trace of one tenant: spans still pending in its trace-assembly object merged with
 * every copy completed to R2. The object is asked while D1 is: a flush deletes pending rows only
 * after the D1 index points at R2, so whatever the object no longer has, the index already finds.
 */
import { shardCount, shardOf, traceShard } from "../ingest/shards";
import type { SpanBatch, Trace } from "../model/span";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
import { assembleTrace } from "../query/assemble";
import { findTraceLocations, type TraceLocation } from "./block-index";
import { readBlockMember } from "./blocks";

export async function readTrace(env: Env, tenantId: string, traceId: string): Promise<Trace | null> {
  const parts = await readTraceParts(env, tenantId, traceId);
  return parts.length === 0 ? null : assembleTrace(traceId, parts);
}

/** Every copy of a trace's spans we hold, undecided about duplicates (see query/assemble.ts). */
export async function readTraceParts(env: Env, tenantId: string, traceId: string): Promise<SpanBatch[]> {
  const shard = shardOf(tenantId, traceId, shardCount(env));
  const [pending, locations] = await Promise.all([
    traceShard(env, tenantId, shard).readPending(traceId),
    findTraceLocations(env.DB, tenantId, shard, traceId),
  ]);
  const stored = await readMembers(env.TRACES, locations);
  return pending ? [...stored, decodeMember(pending)] : stored;
}

/** Stored copies, read in parallel; a block gone (e.g. past retention) is skipped. */
export async function readMembers(bucket: R2Bucket, locations: TraceLocation[]): Promise<SpanBatch[]> {
  const members = await Promise.all(locations.map((l) => readBlockMember(bucket, l.blockKey, l.offset, l.length)));
  return members.filter((bytes): bytes is Uint8Array => bytes !== null).map(decodeMember);
}

export function decodeMember(bytes: Uint8Array): SpanBatch {
  return decodeProtobufRequest(bytes).batch;
}

const HEX_ID = /^[0-9a-f]{1,32}$/;

/** A trace id as users type it (16 or 32 hex digits, any case) in our 32-digit form, or null. */
export function parseTraceId(text: string): string | null {
  const id = text.trim().toLowerCase();
  return HEX_ID.test(id) ? id.padStart(32, "0") : null;
}
