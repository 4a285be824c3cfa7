/**
 * The D1 trace index: one row per R2 block (see db/schema.ts for why not one per trace).
 */
import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { traceBlocks } from "../db/schema";
import type { BlockTraceSummary } from "./blocks";

export interface TraceLocation {
  blockKey: string;
  offset: number;
  length: number;
}

/** 32 hex id + 8 hex offset + 8 hex length. */
const RECORD = 48;

export function traceIndexRecord(traceId: string, offset: number, length: number): string {
  return `${traceId}${offset.toString(16).padStart(8, "0")}${length.toString(16).padStart(8, "0")}`;
}

function parseRecord(record: string): { offset: number; length: number } {
  return { offset: parseInt(record.slice(32, 40), 16), length: parseInt(record.slice(40, 48), 16) };
}

/** Records a block written to R2; returns the D1 rows written (table + index entries). */
export async function indexBlock(
  db: D1Database,
  block: { tenantId: string; blockKey: string; shard: number; createdAt: number; traces: BlockTraceSummary[] },
): Promise<number> {
  let minStart = Infinity;
  let maxStart = -Infinity;
  let spans = 0;
  const services = new Set<string>();
  for (const trace of block.traces) {
    minStart = Math.min(minStart, trace.startUs);
    maxStart = Math.max(maxStart, trace.startUs);
    spans += trace.spanCount;
    for (const service of trace.services) services.add(service);
  }
  const result = await drizzle(db)
    .insert(traceBlocks)
    .values({
      tenantId: block.tenantId,
      blockKey: block.blockKey,
      shard: block.shard,
      createdAt: block.createdAt,
      minStartUs: minStart,
      maxStartUs: maxStart,
      traceCount: block.traces.length,
      spanCount: spans,
      services: JSON.stringify([...services].sort()),
      traceIndex: block.traces.map((t) => traceIndexRecord(t.traceId, t.offset, t.length)).join(""),
      summaries: JSON.stringify(block.traces),
    })
    .run();
  return result.meta.rows_written ?? 0;
}

/**
 * Every stored copy of a trace, newest block first. A trace is in several blocks when spans
 * arrived after it was first completed; readers merge the copies.
 */
export async function findTraceLocations(db: D1Database, tenantId: string, shard: number, traceId: string): Promise<TraceLocation[]> {
  const rows = await drizzle(db)
    .select({
      blockKey: traceBlocks.blockKey,
      record: sql<string>`substr(${traceBlocks.traceIndex}, instr(${traceBlocks.traceIndex}, ${traceId}), ${RECORD})`,
      traceIndex: sql<string | null>`CASE WHEN (instr(${traceBlocks.traceIndex}, ${traceId}) - 1) % ${RECORD} = 0 THEN NULL ELSE ${traceBlocks.traceIndex} END`,
    })
    .from(traceBlocks)
    .where(and(eq(traceBlocks.tenantId, tenantId), eq(traceBlocks.shard, shard), sql`instr(${traceBlocks.traceIndex}, ${traceId}) > 0`))
    .orderBy(sql`${traceBlocks.createdAt} DESC`);
  const found: TraceLocation[] = [];
  for (const row of rows) {
    // instr() matched on a record boundary: that record is the trace. Otherwise the id's digits
    // happened to straddle two records, and the aligned scan below decides.
    let record: string | undefined = row.traceIndex === null ? row.record : undefined;
    if (row.traceIndex !== null) {
      for (let at = 0; at < row.traceIndex.length; at += RECORD) {
        if (row.traceIndex.startsWith(traceId, at)) record = row.traceIndex.slice(at, at + RECORD);
      }
    }
    if (record) found.push({ blockKey: row.blockKey, ...parseRecord(record) });
  }
  return found;
}
