/**
 * The D1 trace index: one summary row per completed trace, which also says where in R2 the
 * trace's spans are.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { traceSummaries } from "../db/schema";
import type { TraceSummary } from "../model/summary";
import type { StoredTrace } from "./blocks";

export interface TraceLocation {
  blockKey: string;
  offset: number;
  length: number;
}

/** D1 binds at most 100 parameters a statement. */
const IDS_PER_QUERY = 90;
/** Columns bound per summary row; rows per INSERT stay under the 100-parameter limit. */
const ROWS_PER_INSERT = Math.floor(100 / 14);

export async function findTraceLocations(db: D1Database, tenantId: string, traceIds: string[]): Promise<Map<string, TraceLocation>> {
  const orm = drizzle(db);
  const found = new Map<string, TraceLocation>();
  for (let i = 0; i < traceIds.length; i += IDS_PER_QUERY) {
    const rows = await orm
      .select({
        traceId: traceSummaries.traceId,
        blockKey: traceSummaries.blockKey,
        offset: traceSummaries.blockOffset,
        length: traceSummaries.blockLength,
      })
      .from(traceSummaries)
      .where(and(eq(traceSummaries.tenantId, tenantId), inArray(traceSummaries.traceId, traceIds.slice(i, i + IDS_PER_QUERY))));
    for (const { traceId, ...location } of rows) found.set(traceId, location);
  }
  return found;
}

/** Inserts or replaces the summaries of traces just written to a block, in one D1 batch; returns rows written. */
export async function saveSummaries(
  db: D1Database,
  tenantId: string,
  blockKey: string,
  stored: Array<{ summary: TraceSummary; place: StoredTrace }>,
): Promise<number> {
  if (stored.length === 0) return 0;
  const orm = drizzle(db);
  const now = Date.now();
  const rows = stored.map(({ summary, place }) => ({
    tenantId,
    traceId: summary.traceId,
    startUs: summary.startUs,
    durationUs: summary.durationUs,
    rootService: summary.rootService,
    rootOperation: summary.rootOperation,
    spanCount: summary.spanCount,
    errorCount: summary.errorCount,
    services: JSON.stringify(summary.services),
    operations: JSON.stringify(summary.operations),
    blockKey,
    blockOffset: place.offset,
    blockLength: place.length,
    updatedAt: now,
  }));
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    statements.push(
      orm
        .insert(traceSummaries)
        .values(rows.slice(i, i + ROWS_PER_INSERT))
        .onConflictDoUpdate({
          target: [traceSummaries.tenantId, traceSummaries.traceId],
          set: {
            startUs: sql`excluded.start_us`,
            durationUs: sql`excluded.duration_us`,
            rootService: sql`excluded.root_service`,
            rootOperation: sql`excluded.root_operation`,
            spanCount: sql`excluded.span_count`,
            errorCount: sql`excluded.error_count`,
            services: sql`excluded.services`,
            operations: sql`excluded.operations`,
            blockKey: sql`excluded.block_key`,
            blockOffset: sql`excluded.block_offset`,
            blockLength: sql`excluded.block_length`,
            updatedAt: sql`excluded.updated_at`,
          },
        }),
    );
  }
  const [first, ...rest] = statements;
  if (!first) return 0;
  const results = (await orm.batch([first, ...rest])) as unknown as Array<{ meta?: { rows_written?: number } }>;
  return results.reduce((sum, result) => sum + (result.meta?.rows_written ?? 0), 0);
}
