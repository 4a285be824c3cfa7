/**
 * A trace shard's SQLite tables. Rows written are billed ($1 per million, index entries included),
 * so every table is written per request, per flush or per block — never per span or per trace —
 * and indexes exist only where a read would otherwise scan.
 */
import type { GuardedSql } from "../../worker/storage/sql-guard";

const TABLES = [
  // WITHOUT ROWID: the key is the table, so a write is one row, not a row plus an index entry.
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
  // Acknowledged spans not yet in R2: one row per group commit (see pending-store.ts). Rows are
  // reused once flushed (an UPDATE is one row written; a DELETE and a later INSERT would be two).
  `CREATE TABLE IF NOT EXISTS pending_rows (
     slot INTEGER PRIMARY KEY, seq INTEGER NOT NULL, received INTEGER NOT NULL,
     appends INTEGER NOT NULL, spans INTEGER NOT NULL, slices TEXT NOT NULL, body BLOB NOT NULL)`,
  // The block manifest: one small row per R2 block (manifest.ts).
  `CREATE TABLE IF NOT EXISTS blocks (
     id INTEGER PRIMARY KEY, key TEXT NOT NULL, state INTEGER NOT NULL, level INTEGER NOT NULL,
     created INTEGER NOT NULL, min_start_us INTEGER NOT NULL, max_start_us INTEGER NOT NULL,
     max_end_us INTEGER NOT NULL, traces INTEGER NOT NULL, spans INTEGER NOT NULL,
     raw_bytes INTEGER NOT NULL, bytes INTEGER NOT NULL,
     search_at INTEGER NOT NULL, search_len INTEGER NOT NULL, terms_at INTEGER, terms_len INTEGER,
     services TEXT, operations TEXT, block_terms BLOB)`,
  // Searches select blocks by time: without it, every search would read every manifest row.
  "CREATE INDEX IF NOT EXISTS blocks_by_end ON blocks (max_end_us)",
  // Trace id → block members, as sorted runs (id-index.ts).
  `CREATE TABLE IF NOT EXISTS id_runs (
     id INTEGER PRIMARY KEY, level INTEGER NOT NULL, entries INTEGER NOT NULL,
     min_created INTEGER NOT NULL, max_created INTEGER NOT NULL)`,
  "CREATE TABLE IF NOT EXISTS id_chunks (run INTEGER NOT NULL, first BLOB NOT NULL, entries BLOB NOT NULL)",
  "CREATE INDEX IF NOT EXISTS id_chunks_seek ON id_chunks (run, first)",
  // The services and operations seen, for the catalogue (catalog.ts).
  `CREATE TABLE IF NOT EXISTS operations (
     service TEXT NOT NULL, name TEXT NOT NULL, kind INTEGER NOT NULL, last_day INTEGER NOT NULL,
     PRIMARY KEY (service, name, kind)) WITHOUT ROWID`,
  "CREATE TABLE IF NOT EXISTS usage_days (day TEXT PRIMARY KEY, counts TEXT NOT NULL) WITHOUT ROWID",
  // RED metrics and graph edges per minute (a day) and per hour (the retention) (metrics-store.ts).
  "CREATE TABLE IF NOT EXISTS metric_buckets (resolution INTEGER NOT NULL, bucket INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (resolution, bucket)) WITHOUT ROWID",
  // Message spans waiting for the other side of their call (held-spans.ts).
  "CREATE TABLE IF NOT EXISTS held_spans (id INTEGER PRIMARY KEY, until INTEGER NOT NULL, data TEXT NOT NULL)",
  // Signs of broken propagation, one row per flush that found any, keyed by the flush's time
  // (propagation-store.ts): the rowid is the key, so reads by time need no index.
  "CREATE TABLE IF NOT EXISTS propagation_signs (at INTEGER PRIMARY KEY, data TEXT NOT NULL)",
  // Traces kept past retention (archive.ts).
  "CREATE TABLE IF NOT EXISTS archived (trace_id TEXT PRIMARY KEY, key TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID",
  // R2 objects to delete once no reader can still be using them (garbage.ts).
  "CREATE TABLE IF NOT EXISTS garbage (key TEXT PRIMARY KEY, after INTEGER NOT NULL) WITHOUT ROWID",
];

export function createSchema(sql: GuardedSql): void {
  for (const statement of TABLES) sql.run(statement);
}

/** Block states: its manifest row exists before its R2 object, so a crash never leaves an unknown object. */
export const BlockState = { writing: 0, live: 1 } as const;
