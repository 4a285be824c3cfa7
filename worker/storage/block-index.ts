/**
 * The D1 trace index: one row per R2 block (see db/schema.ts for why not one per trace), and the
 * queries that read it — by trace id, by time/service/operation for search, and the lists of
 * services and operations.
 */
import { Buffer } from "node:buffer";
import { and, desc, eq, gte, inArray, lte, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { traceBlocks } from "../db/schema";
import { buildSqlFilter, sqlFilterProbes } from "../query/bloom";
import { encodeBlockEntries } from "../query/block-entries";
import { digestOtlp } from "../query/protobuf-digest";
import { digestFromSummary, type TraceDigest } from "../query/search-entry";
import { traceIdTerm } from "../query/terms";
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

/**
 * Records a block written to R2; returns the D1 rows written (table + index entries).
 *
 * `bodies` — each trace's OTLP protobuf, as written to the block, in `traces` order — lets the
 * index hold per-operation durations and attribute filters; without them search still finds every
 * trace, but has to read more of them to be sure.
 */
export async function indexBlock(
  db: D1Database,
  block: { tenantId: string; blockKey: string; shard: number; createdAt: number; traces: BlockTraceSummary[]; bodies?: Uint8Array[] },
): Promise<number> {
  let minStart = Infinity;
  let maxStart = -Infinity;
  let maxEnd = -Infinity;
  let spans = 0;
  const services = new Set<string>();
  for (const trace of block.traces) {
    minStart = Math.min(minStart, trace.startUs);
    maxStart = Math.max(maxStart, trace.startUs);
    maxEnd = Math.max(maxEnd, trace.startUs + trace.durationUs);
    spans += trace.spanCount;
    for (const service of trace.services) services.add(service);
  }
  const encoded = encodeBlockEntries(await digestAll(block.traces, block.bodies));
  const result = await drizzle(db)
    .insert(traceBlocks)
    .values({
      tenantId: block.tenantId,
      blockKey: block.blockKey,
      shard: block.shard,
      createdAt: block.createdAt,
      minStartUs: minStart,
      maxStartUs: maxStart,
      maxEndUs: maxEnd,
      traceCount: block.traces.length,
      spanCount: spans,
      traceFilter: Buffer.from(buildSqlFilter(block.traces.map((t) => traceIdTerm(t.traceId)), block.traces.length, TRACE_FILTER_MAX_BYTES)),
      services: JSON.stringify([...services].sort()),
      operations: encoded.operations,
      traceIndex: block.traces.map((t) => traceIndexRecord(t.traceId, t.offset, t.length)).join(""),
      blockTerms: encoded.blockFilter && Buffer.from(encoded.blockFilter),
      search: encoded.search,
      terms: encoded.terms,
    })
    .run();
  return result.meta.rows_written ?? 0;
}

/** Traces digested between yields: the trace-assembly object keeps taking appends during a flush. */
const DIGEST_CHUNK = 100;

/**
 * Digests a block's traces, yielding to the event loop between chunks: a flush of 2,000 traces is
 * ~100k spans, and one synchronous stretch of that would hold back every append behind it.
 */
async function digestAll(traces: BlockTraceSummary[], bodies: Uint8Array[] | undefined): Promise<TraceDigest[]> {
  const digests: TraceDigest[] = [];
  for (let i = 0; i < traces.length; i++) {
    if (i > 0 && i % DIGEST_CHUNK === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    digests.push(digest(traces[i] as BlockTraceSummary, bodies?.[i]));
  }
  return digests;
}

function digest(summary: BlockTraceSummary, body: Uint8Array | undefined): TraceDigest {
  if (!body) return digestFromSummary(summary);
  try {
    return digestOtlp(summary.traceId, body);
  } catch (error) {
    // The bytes were checked at ingest, so this is a bug of ours: index what the summary knows
    // rather than fail the flush (and retry it forever).
    console.error(`block index: cannot digest trace ${summary.traceId}; indexing its summary only`, error);
    return digestFromSummary(summary);
  }
}

/**
 * Every stored copy of a trace, newest block first. A trace is in several blocks when spans
 * arrived after it was first completed; readers merge the copies.
 */
export async function findTraceLocations(db: D1Database, tenantId: string, shard: number, traceId: string): Promise<TraceLocation[]> {
  const rows = await locationQuery(db, tenantId, shard, traceId);
  return locationsFrom(rows, traceId);
}

/** 2,000 traces (a flush's most) at ~10 bits each. */
const TRACE_FILTER_MAX_BYTES = 4_000;

function locationQuery(db: D1Database, tenantId: string, shard: number, traceId: string) {
  return drizzle(db)
    .select({
      blockKey: traceBlocks.blockKey,
      record: sql<string>`substr(${traceBlocks.traceIndex}, instr(${traceBlocks.traceIndex}, ${traceId}), ${RECORD})`,
      traceIndex: sql<string | null>`CASE WHEN (instr(${traceBlocks.traceIndex}, ${traceId}) - 1) % ${RECORD} = 0 THEN NULL ELSE ${traceBlocks.traceIndex} END`,
    })
    .from(traceBlocks)
    // The filter first: it is cheap and in the row's first page; instr() then runs on ~1% of rows.
    .where(and(eq(traceBlocks.tenantId, tenantId), eq(traceBlocks.shard, shard), mayHold(traceBlocks.traceFilter, traceIdTerm(traceId)), sql`instr(${traceBlocks.traceIndex}, ${traceId}) > 0`))
    .orderBy(sql`${traceBlocks.createdAt} DESC`);
}

function locationsFrom(rows: Array<{ blockKey: string; record: string; traceIndex: string | null }>, traceId: string): TraceLocation[] {
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

/** A block search may visit, without its (large) index columns. */
export interface BlockRef {
  /** The row's id: how its index columns are loaded. */
  id: number;
  blockKey: string;
  shard: number;
  maxStartUs: number;
}

/**
 * Blocks whose time range meets [startUs, endUs], which hold the service (and operation) and whose
 * filter may hold every term, the newest first. The time index (tenant, max_end_us) bounds the
 * scan; the JSON and filter tests run only on those rows.
 */
export async function findBlocks(
  db: D1Database,
  tenantId: string,
  filter: { startUs: number; endUs: number; service: string; operation: string; terms: number[] },
): Promise<BlockRef[]> {
  const conditions = [eq(traceBlocks.tenantId, tenantId), gte(traceBlocks.maxEndUs, filter.startUs), lte(traceBlocks.minStartUs, filter.endUs)];
  if (filter.service) {
    conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${traceBlocks.services}) WHERE value = ${filter.service})`);
  }
  if (filter.operation) {
    const sameService = filter.service ? sql` AND json_extract(value, '$[0]') = ${filter.service}` : sql``;
    conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${traceBlocks.operations}) WHERE json_extract(value, '$[1]') = ${filter.operation}${sameService})`);
  }
  for (const term of filter.terms) conditions.push(mayHold(traceBlocks.blockTerms, term, true));
  return drizzle(db)
    .select({ id: traceBlocks.id, blockKey: traceBlocks.blockKey, shard: traceBlocks.shard, maxStartUs: traceBlocks.maxStartUs })
    .from(traceBlocks)
    .where(and(...conditions))
    .orderBy(desc(traceBlocks.maxStartUs), traceBlocks.id);
}

/**
 * SQL true when a filter column (worker/query/bloom.ts) has every probe bit of `item` — or, with
 * `orNull`, when the row has no filter. Probe i is bit (probe mod m), m = 6 × the filter's length;
 * each byte is 32 + six bits. The numbers are ours (integers), so they are written into the SQL
 * rather than bound: a statement may bind only 100 parameters.
 */
export function mayHold(column: SQLiteColumn, item: number, orNull = false): SQL {
  const probes = sqlFilterProbes(item).map((probe) => {
    const bit = sql`(${sql.raw(String(probe))} % (length(${column}) * 6))`;
    return sql`((unicode(CAST(substr(${column}, ${bit} / 6 + 1, 1) AS TEXT)) - 32) >> (${bit} % 6)) & 1 = 1`;
  });
  const all = sql`(${sql.join(probes, sql` AND `)})`;
  return orNull ? sql`(${column} IS NULL OR ${all})` : all;
}

export interface BlockIndexRow {
  blockKey: string;
  traceIndex: string;
  operations: string;
  search: string;
  /** Null when not asked for, or when the block has no filters (`hasTerms` tells which). */
  terms: string | null;
  hasTerms: boolean;
}

/** D1 allows 100 bound parameters a statement; the tenant takes one. */
const IDS_PER_STATEMENT = 90;

/** The index columns of some blocks (the filters too when `withTerms`); the tenant is checked again all the same. */
export async function loadBlockIndexes(db: D1Database, tenantId: string, ids: number[], withTerms: boolean): Promise<BlockIndexRow[]> {
  const statements = chunks(ids, IDS_PER_STATEMENT).map((chunk) =>
    drizzle(db)
      .select({
        blockKey: traceBlocks.blockKey,
        traceIndex: traceBlocks.traceIndex,
        operations: traceBlocks.operations,
        search: traceBlocks.search,
        terms: withTerms ? traceBlocks.terms : sql<string | null>`NULL`,
        hasTerms: sql<number>`${traceBlocks.terms} IS NOT NULL`,
      })
      .from(traceBlocks)
      .where(and(eq(traceBlocks.tenantId, tenantId), inArray(traceBlocks.id, chunk))),
  );
  const [first, ...rest] = statements;
  if (!first) return [];
  const results = await drizzle(db).batch([first, ...rest]);
  return results.flat().map((row) => ({ ...row, hasTerms: Boolean(row.hasTerms) }));
}

/** Only the filters of some blocks (for blocks whose other columns are cached). */
export async function loadBlockTerms(db: D1Database, tenantId: string, ids: number[]): Promise<Array<{ blockKey: string; terms: string | null }>> {
  const statements = chunks(ids, IDS_PER_STATEMENT).map((chunk) =>
    drizzle(db)
      .select({ blockKey: traceBlocks.blockKey, terms: traceBlocks.terms })
      .from(traceBlocks)
      .where(and(eq(traceBlocks.tenantId, tenantId), inArray(traceBlocks.id, chunk))),
  );
  const [first, ...rest] = statements;
  if (!first) return [];
  return (await drizzle(db).batch([first, ...rest])).flat();
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every service with a stored span, sorted. */
export async function listServices(db: D1Database, tenantId: string): Promise<string[]> {
  const rows = await drizzle(db).all<{ name: string }>(
    sql`SELECT DISTINCT s.value AS name FROM ${traceBlocks}, json_each(${traceBlocks.services}) AS s WHERE ${traceBlocks.tenantId} = ${tenantId}`,
  );
  return rows.map((row) => row.name);
}

/** The operations of one service, with their span kinds (-1: unknown). */
export async function listOperations(db: D1Database, tenantId: string, service: string): Promise<Array<{ name: string; kind: number }>> {
  return drizzle(db).all<{ name: string; kind: number }>(
    sql`SELECT DISTINCT json_extract(o.value, '$[1]') AS name, json_extract(o.value, '$[2]') AS kind
        FROM ${traceBlocks}, json_each(${traceBlocks.operations}) AS o
        WHERE ${traceBlocks.tenantId} = ${tenantId}
          AND EXISTS (SELECT 1 FROM json_each(${traceBlocks.services}) WHERE value = ${service})
          AND json_extract(o.value, '$[0]') = ${service}`,
  );
}
