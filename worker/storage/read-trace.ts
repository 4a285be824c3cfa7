/**
 * Reads one trace of one tenant: spans still pending in its trace-assembly object merged with
 * every copy completed to R2. The object is asked first: a flush deletes pending rows only after
 * the D1 index points at R2, so whatever the object no longer has, the index already finds.
 */
import { shardCount, shardOf, traceShard } from "../ingest/shards";
import { mergeTrace } from "../model/batch";
import type { SpanBatch, Trace } from "../model/span";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
import { findTraceLocations } from "./block-index";
import { readBlockMember } from "./blocks";

export async function readTrace(env: Env, tenantId: string, traceId: string): Promise<Trace | null> {
  const shard = shardOf(tenantId, traceId, shardCount(env));
  const pending = await traceShard(env, tenantId, shard).readPending(traceId);
  const locations = await findTraceLocations(env.DB, tenantId, shard, traceId);
  const stored = await Promise.all(locations.map((l) => readBlockMember(env.TRACES, l.blockKey, l.offset, l.length)));
  const parts: SpanBatch[] = [];
  for (const bytes of [...stored, pending]) if (bytes) parts.push(decodeProtobufRequest(bytes).batch);
  if (parts.length === 0) return null;
  return mergeTrace(traceId, parts);
}

const HEX_ID = /^[0-9a-f]{1,32}$/;

/** A trace id as users type it (16 or 32 hex digits, any case) in our 32-digit form, or null. */
export function parseTraceId(text: string): string | null {
  const id = text.trim().toLowerCase();
  return HEX_ID.test(id) ? id.padStart(32, "0") : null;
}
