/**
 * Reads one trace of one tenant: spans still pending in its trace-assembly object merged with the
 * completed copy in R2. The object is asked first: a flush deletes pending rows only after the D1
 * index points at R2, so whatever the object no longer has, the index already finds.
 */
import { traceShardFor } from "../ingest/shards";
import { mergeTrace } from "../model/batch";
import type { Trace } from "../model/span";
import { readBlockTrace } from "./blocks";
import { findTraceLocations } from "./summaries";

export async function readTrace(env: Env, tenantId: string, traceId: string): Promise<Trace | null> {
  const pending = (await traceShardFor(env, tenantId, traceId).readPending(traceId)) as Trace | null;
  const location = (await findTraceLocations(env.DB, tenantId, [traceId])).get(traceId);
  const stored = location ? await readBlockTrace(env.TRACES, location.blockKey, location.offset, location.length) : null;
  if (pending && stored) return mergeTrace(traceId, [stored, pending]);
  return pending ?? stored;
}

const HEX_ID = /^[0-9a-f]{1,32}$/;

/** A trace id as users type it (16 or 32 hex digits, any case) in our 32-digit form, or null. */
export function parseTraceId(text: string): string | null {
  const id = text.trim().toLowerCase();
  return HEX_ID.test(id) ? id.padStart(32, "0") : null;
}
