/**
 * The worker's side of pending search: every shard of a tenant is asked for the index of its open
 * traces (one RPC each, in parallel), decoded like a stored block's.
 */
import { shardCount, traceShard } from "../ingest/shards";
import { decodeBlockEntries } from "./block-entries";
import type { IndexedBlock } from "./search-entry";

export interface PendingBlock {
  shard: number;
  block: IndexedBlock;
}

export async function loadPendingBlocks(env: Env, tenantId: string): Promise<PendingBlock[]> {
  const shards = Array.from({ length: shardCount(env) }, (_, shard) => shard);
  return Promise.all(
    shards.map(async (shard) => {
      const { traceIndex, encoded } = await traceShard(env, tenantId, shard).pendingIndex();
      return { shard, block: decodeBlockEntries(traceIndex, encoded.operations, encoded.search, encoded.terms, encoded.terms !== null) };
    }),
  );
}
