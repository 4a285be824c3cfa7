/**
 * The shard's block manifest: one small row per R2 block — its key, time range, counts, where its
 * search sections lie, the services and operations it holds and a filter of its terms. The bulky
 * per-trace index stays in the block itself (worker/trace-index/block-format.ts); this is what a
 * search reads to choose blocks, and what compaction and retention walk.
 *
 * A row is inserted (state `writing`) before its object is PUT and becomes `live` in the
 * transaction that indexes it, so every object this shard ever wrote is named by a row: a crash
 * between the two leaves a `writing` row whose object is deleted at the next start, never an
 * orphan in R2.
 */
import { sqlFilterProbes } from "../../worker/trace-index/bloom";
import type { EncodedBlock } from "../../worker/trace-index/block-format";
import type { BlockFilter, BlockRef } from "../../worker/storage/shard-protocol";
import { blob, placeholders, type GuardedSql } from "../../worker/storage/sql-guard";
import { BlockState } from "./schema";

/** Manifest columns listing a block's services and operations stay under these; beyond, they are left null ("anything"). */
export const MAX_SERVICES_JSON = 16_384;
export const MAX_OPERATIONS_JSON = 65_536;

export interface BlockRow {
  id: number;
  key: string;
  level: number;
  created: number;
  traces: number;
  spans: number;
  rawBytes: number;
  bytes: number;
  minStartUs: number;
  maxEndUs: number;
}

export interface ManifestCounters {
  /** Blocks whose operation list was too long to keep in the manifest. */
  operationsOverflow: number;
}

export class Manifest {
  readonly counters: ManifestCounters = { operationsOverflow: 0 };

  constructor(private readonly sql: GuardedSql) {}

  /** Names a block before its object is written; returns its id. */
  begin(key: string, level: number, created: number): number {
    const row = this.sql.first<{ id: number }>(
      `INSERT INTO blocks (key, state, level, created, min_start_us, max_start_us, max_end_us, traces, spans, raw_bytes, bytes, search_at, search_len)
       VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0) RETURNING id`,
      key, BlockState.writing, level, created,
    );
    return (row as { id: number }).id;
  }

  /** The object is in R2: the block becomes visible to searches and lookups. */
  commit(id: number, block: EncodedBlock): void {
    const { summary } = block;
    const services = JSON.stringify(summary.services);
    const operations = JSON.stringify(summary.operations.map((op) => [op.service, op.name, op.kind]));
    if (operations.length > MAX_OPERATIONS_JSON) this.counters.operationsOverflow++;
    this.sql.run(
      `UPDATE blocks SET state = ?, min_start_us = ?, max_start_us = ?, max_end_us = ?, traces = ?, spans = ?, raw_bytes = ?, bytes = ?,
         search_at = ?, search_len = ?, terms_at = ?, terms_len = ?, services = ?, operations = ?, block_terms = ? WHERE id = ?`,
      BlockState.live,
      summary.minStartUs,
      summary.maxStartUs,
      summary.maxEndUs,
      summary.traceCount,
      summary.spanCount,
      summary.rawBytes,
      block.body.byteLength,
      block.search.at,
      block.search.length,
      block.terms?.at ?? null,
      block.terms?.length ?? null,
      services.length > MAX_SERVICES_JSON ? null : services,
      operations.length > MAX_OPERATIONS_JSON ? null : operations,
      summary.blockTerms && blob(summary.blockTerms),
      id,
    );
  }

  /** Rows left `writing` by a crash (or a failed PUT): their keys, and the rows removed. */
  abandonWriting(): string[] {
    const rows = this.sql.all<{ id: number; key: string }>("SELECT id, key FROM blocks WHERE state = ?", BlockState.writing);
    if (rows.length) this.sql.run("DELETE FROM blocks WHERE state = ?", BlockState.writing);
    return rows.map((r) => r.key);
  }

  /** Drops one `writing` row whose PUT failed (its key goes to garbage: the PUT may have landed). */
  abandon(id: number): string | null {
    const row = this.sql.first<{ key: string }>("DELETE FROM blocks WHERE id = ? AND state = ? RETURNING key", id, BlockState.writing);
    return row?.key ?? null;
  }

  /** Live, unexpired blocks among `ids`, by id. */
  resolve(ids: number[], notBefore: number): Map<number, BlockRow> {
    const found = new Map<number, BlockRow>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 90) {
      const chunk = unique.slice(i, i + 90);
      for (const row of this.sql.all<RawBlockRow>(`${SELECT_ROW} WHERE id IN (${placeholders(chunk.length)}) AND state = ? AND created >= ?`, ...chunk, BlockState.live, notBefore)) {
        found.set(row.id, toBlockRow(row));
      }
    }
    return found;
  }

  liveIds(): Set<number> {
    return new Set(this.sql.all<{ id: number }>("SELECT id FROM blocks WHERE state = ?", BlockState.live).map((r) => r.id));
  }

  /**
   * Blocks whose time range meets the filter's, that may hold its service, operation and every
   * term, newest first. Filters are tested in SQL (bloom.ts), so rows ruled out are never returned.
   */
  find(filter: BlockFilter, notBefore: number, shard: number): BlockRef[] {
    const conditions = ["state = ?", "max_end_us >= ?", "min_start_us <= ?", "created >= ?"];
    const values: SqlStorageValue[] = [BlockState.live, filter.startUs, filter.endUs, notBefore];
    if (filter.service) {
      conditions.push("(services IS NULL OR EXISTS (SELECT 1 FROM json_each(services) WHERE value = ?))");
      values.push(filter.service);
    }
    if (filter.operation) {
      const sameService = filter.service ? " AND json_extract(value, '$[0]') = ?" : "";
      conditions.push(`(operations IS NULL OR EXISTS (SELECT 1 FROM json_each(operations) WHERE json_extract(value, '$[1]') = ?${sameService}))`);
      values.push(filter.operation);
      if (filter.service) values.push(filter.service);
    }
    for (const term of filter.terms) conditions.push(mayHold("block_terms", term));
    const rows = this.sql.all<{ key: string; max_start_us: number; search_at: number; search_len: number; terms_at: number | null; terms_len: number | null }>(
      `SELECT key, max_start_us, search_at, search_len, terms_at, terms_len FROM blocks WHERE ${conditions.join(" AND ")} ORDER BY max_start_us DESC, id`,
      ...values,
    );
    return rows.map((row) => ({
      key: row.key,
      shard,
      maxStartUs: row.max_start_us,
      search: { at: row.search_at, length: row.search_len },
      terms: row.terms_at === null || row.terms_len === null ? null : { at: row.terms_at, length: row.terms_len },
    }));
  }

  /** Live blocks created before `before`, oldest first (what retention deletes). */
  expired(before: number, limit: number): BlockRow[] {
    return this.sql.all<RawBlockRow>(`${SELECT_ROW} WHERE state = ? AND created < ? ORDER BY created LIMIT ?`, BlockState.live, before, limit).map(toBlockRow);
  }

  /** Live blocks of one level created in [from, to), oldest first (compaction's inputs). */
  inWindow(from: number, to: number): BlockRow[] {
    return this.sql.all<RawBlockRow>(`${SELECT_ROW} WHERE state = ? AND created >= ? AND created < ? ORDER BY created, id`, BlockState.live, from, to).map(toBlockRow);
  }

  /** The oldest live block's creation time, or null. */
  oldestCreated(): number | null {
    return this.sql.first<{ t: number | null }>("SELECT min(created) AS t FROM blocks WHERE state = ?", BlockState.live)?.t ?? null;
  }

  /** Creation times of live level-0 blocks, to find windows worth compacting. */
  levelZeroWindows(windowMs: number): Array<{ window: number; blocks: number; bytes: number }> {
    return this.sql.all<{ window: number; blocks: number; bytes: number }>(
      // `%` works on integers whatever type the bound value arrives as (JS numbers may bind as REAL).
      "SELECT created - created % ? AS window, count(*) AS blocks, sum(bytes) AS bytes FROM blocks WHERE state = ? AND level = 0 GROUP BY window ORDER BY window",
      windowMs, BlockState.live,
    );
  }

  delete(ids: number[]): void {
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      this.sql.run(`DELETE FROM blocks WHERE id IN (${placeholders(chunk.length)})`, ...chunk);
    }
  }

  /** Bytes the manifest's rows take (an estimate: values plus ~100 bytes a row). */
  storedBytes(): number {
    return (
      this.sql.first<{ n: number | null }>(
        "SELECT sum(length(key) + coalesce(length(services), 0) + coalesce(length(operations), 0) + coalesce(length(block_terms), 0) + 100) AS n FROM blocks",
      )?.n ?? 0
    );
  }

  /** Live blocks and their sizes (usage, tests). */
  totals(): { blocks: number; fresh: number; traces: number; spans: number; bytes: number; rawBytes: number } {
    const row = this.sql.first<{ blocks: number; fresh: number | null; traces: number | null; spans: number | null; bytes: number | null; raw: number | null }>(
      "SELECT count(*) AS blocks, sum(level = 0) AS fresh, sum(traces) AS traces, sum(spans) AS spans, sum(bytes) AS bytes, sum(raw_bytes) AS raw FROM blocks WHERE state = ?",
      BlockState.live,
    );
    return { blocks: row?.blocks ?? 0, fresh: row?.fresh ?? 0, traces: row?.traces ?? 0, spans: row?.spans ?? 0, bytes: row?.bytes ?? 0, rawBytes: row?.raw ?? 0 };
  }
}

const SELECT_ROW = "SELECT id, key, level, created, traces, spans, raw_bytes, bytes, min_start_us, max_end_us FROM blocks";

interface RawBlockRow extends Record<string, SqlStorageValue> {
  id: number;
  key: string;
  level: number;
  created: number;
  traces: number;
  spans: number;
  raw_bytes: number;
  bytes: number;
  min_start_us: number;
  max_end_us: number;
}

function toBlockRow(row: RawBlockRow): BlockRow {
  return {
    id: row.id,
    key: row.key,
    level: row.level,
    created: row.created,
    traces: row.traces,
    spans: row.spans,
    rawBytes: row.raw_bytes,
    bytes: row.bytes,
    minStartUs: row.min_start_us,
    maxEndUs: row.max_end_us,
  };
}

/**
 * SQL true when a filter column (bloom.ts `buildSqlFilter`) may hold `item`, or has no filter.
 * Probe i is bit (probe mod m), m = 6 × the filter's length; each byte is 32 + six bits. The probes
 * are our own integers, written into the SQL rather than bound: a statement binds at most 100.
 */
export function mayHold(column: string, item: number): string {
  const probes = sqlFilterProbes(item).map((probe) => {
    const bit = `(${probe} % (length(${column}) * 6))`;
    return `((unicode(CAST(substr(${column}, ${bit} / 6 + 1, 1) AS TEXT)) - 32) >> (${bit} % 6)) & 1 = 1`;
  });
  return `(${column} IS NULL OR (${probes.join(" AND ")}))`;
}
