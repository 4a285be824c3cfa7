/**
 * Trace id → where the trace's segments are, so a lookup by id costs the same after a day or a
 * month of history: a log-structured merge of sorted runs, in the shard's SQLite.
 *
 * - Each block written adds one run: its traces' entries (16-byte id, block, and where its bytes
 *   are — frame offset and length, offset and length in the frame: 36 bytes), sorted by id, in
 *   chunks of up to CHUNK_ENTRIES per row. Rows written per trace: ~1/500, so the index costs
 *   nothing next to the spans.
 * - Once FANOUT runs share a level, they merge into one run of the next level, dropping entries
 *   whose block is gone (compacted or expired). Runs stop merging at MAX_MERGE_ENTRIES, so no
 *   merge rewrites more than ~100 MB.
 * - A lookup seeks one chunk per run (two index seeks) and binary-searches it: with levels growing
 *   ×8, ten times the history adds about one run per level touched, not ten times the work.
 */
import { blob, type GuardedSql } from "../../worker/storage/sql-guard";

const ID_BYTES = 16;
const ENTRY_BYTES = ID_BYTES + 20;
export const CHUNK_ENTRIES = 512;
export const FANOUT = 8;
export const MAX_MERGE_ENTRIES = 4_000_000;

export interface IdEntry extends IdLocation {
  traceId: string;
}

export interface IdLocation {
  block: number;
  at: number;
  length: number;
  innerAt: number;
  innerLength: number;
}

export class IdIndex {
  constructor(private readonly sql: GuardedSql) {}

  /** Adds the entries of one block (or of a compaction's outputs) as a new run. */
  addRun(entries: IdEntry[], created: number): void {
    if (entries.length === 0) return;
    const sorted = [...entries].sort((a, b) => (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0));
    const run = this.newRun(0, sorted.length, created, created);
    for (let i = 0; i < sorted.length; i += CHUNK_ENTRIES) this.writeChunk(run, packEntries(sorted.slice(i, i + CHUNK_ENTRIES)));
  }

  private newRun(level: number, entries: number, minCreated: number, maxCreated: number): number {
    const row = this.sql.first<{ id: number }>(
      "INSERT INTO id_runs (level, entries, min_created, max_created) VALUES (?, ?, ?, ?) RETURNING id",
      level, entries, minCreated, maxCreated,
    );
    return (row as { id: number }).id;
  }

  private writeChunk(run: number, packed: Uint8Array): void {
    this.sql.run("INSERT INTO id_chunks (run, first, entries) VALUES (?, ?, ?)", run, blob(packed.slice(0, ID_BYTES)), blob(packed));
  }

  /** Every recorded segment of `traceId` (some may point at blocks that are gone: callers check). */
  lookup(traceId: string): IdLocation[] {
    const id = hexToBytes(traceId);
    // Per run: the last chunk starting before the id (its tail may hold it), and any chunk starting
    // with it (a trace with many segments can straddle a chunk boundary).
    const rows = this.sql.all<{ entries: ArrayBuffer }>(
      `SELECT entries FROM id_chunks WHERE rowid IN (
         SELECT (SELECT c.rowid FROM id_chunks c WHERE c.run = r.id AND c.first < ?1 ORDER BY c.first DESC LIMIT 1) FROM id_runs r)
       UNION ALL
       SELECT c.entries FROM id_runs r JOIN id_chunks c ON c.run = r.id AND c.first = ?1`,
      blob(id),
    );
    const found = new Map<string, IdLocation>();
    for (const row of rows) {
      for (const location of findIn(new Uint8Array(row.entries), id)) found.set(`${location.block}/${location.at}/${location.innerAt}`, location);
    }
    return [...found.values()];
  }

  /** Bytes the index's rows take (an estimate: values plus ~40 bytes a row and its index entry). */
  storedBytes(): number {
    return this.sql.first<{ n: number | null }>("SELECT sum(length(entries) + 40) AS n FROM id_chunks")?.n ?? 0;
  }

  /** Runs, for tests and usage. */
  runs(): Array<{ id: number; level: number; entries: number }> {
    return this.sql.all("SELECT id, level, entries FROM id_runs ORDER BY level, id");
  }

  /**
   * Merges the oldest FANOUT runs of the lowest level that has that many, dropping entries of
   * blocks that are gone. One merge per call (bounded work); returns whether another is due.
   */
  mergeOnce(isLive: (block: number) => boolean): boolean {
    const candidate = this.sql.first<{ level: number }>(
      "SELECT level FROM id_runs GROUP BY level HAVING count(*) >= ? AND sum(entries) <= ? ORDER BY level LIMIT 1",
      FANOUT, MAX_MERGE_ENTRIES,
    );
    if (!candidate) return false;
    const inputs = this.sql.all<{ id: number; min_created: number; max_created: number }>(
      "SELECT id, min_created, max_created FROM id_runs WHERE level = ? ORDER BY id LIMIT ?",
      candidate.level, FANOUT,
    );
    const cursors = inputs.map((run) => new ChunkCursor(this.sql, run.id));
    const output = this.newRun(
      candidate.level + 1,
      0,
      Math.min(...inputs.map((r) => r.min_created)),
      Math.max(...inputs.map((r) => r.max_created)),
    );
    let pending: Uint8Array[] = [];
    let written = 0;
    const flushChunk = () => {
      if (pending.length === 0) return;
      const packed = new Uint8Array(pending.length * ENTRY_BYTES);
      pending.forEach((entry, i) => packed.set(entry, i * ENTRY_BYTES));
      this.writeChunk(output, packed);
      written += pending.length;
      pending = [];
    };
    // k-way merge by id; k ≤ FANOUT, so a linear pick of the smallest head is fastest.
    for (;;) {
      let best: ChunkCursor | null = null;
      for (const cursor of cursors) {
        const head = cursor.head();
        if (head && (!best || compareIds(head, best.head() as Uint8Array) < 0)) best = cursor;
      }
      if (!best) break;
      const entry = best.take();
      if (!isLive(blockOf(entry))) continue;
      pending.push(entry);
      if (pending.length === CHUNK_ENTRIES) flushChunk();
    }
    flushChunk();
    const ids = inputs.map((r) => r.id);
    this.sql.run(`DELETE FROM id_chunks WHERE run IN (${ids.map(() => "?").join(", ")})`, ...ids);
    this.sql.run(`DELETE FROM id_runs WHERE id IN (${ids.map(() => "?").join(", ")})`, ...ids);
    if (written === 0) {
      this.sql.run("DELETE FROM id_runs WHERE id = ?", output);
    } else {
      this.sql.run("UPDATE id_runs SET entries = ? WHERE id = ?", written, output);
    }
    return this.sql.first("SELECT level FROM id_runs GROUP BY level HAVING count(*) >= ? AND sum(entries) <= ? LIMIT 1", FANOUT, MAX_MERGE_ENTRIES) !== undefined;
  }

  /** Deletes runs whose newest entry is older than `cutoff` (all their blocks have expired). */
  dropExpired(cutoff: number): number {
    const runs = this.sql.all<{ id: number }>("SELECT id FROM id_runs WHERE max_created < ?", cutoff).map((r) => r.id);
    for (const run of runs) {
      this.sql.run("DELETE FROM id_chunks WHERE run = ?", run);
      this.sql.run("DELETE FROM id_runs WHERE id = ?", run);
    }
    return runs.length;
  }
}

/** Reads one run's chunks in order, one row at a time (keyset pagination: no cursor held open while the merge writes). */
class ChunkCursor {
  private entries: Uint8Array | null = null;
  private index = 0;
  private lastFirst: Uint8Array | null = null;
  private lastRowid = -1;
  private done = false;

  constructor(
    private readonly sql: GuardedSql,
    private readonly run: number,
  ) {}

  head(): Uint8Array | null {
    while (!this.done && (!this.entries || this.index * ENTRY_BYTES >= this.entries.byteLength)) this.next();
    if (this.done || !this.entries) return null;
    return this.entries.subarray(this.index * ENTRY_BYTES, (this.index + 1) * ENTRY_BYTES);
  }

  take(): Uint8Array {
    const entry = this.head() as Uint8Array;
    this.index++;
    return entry;
  }

  private next(): void {
    const row =
      this.lastFirst === null
        ? this.sql.first<{ r: number; first: ArrayBuffer; entries: ArrayBuffer }>(
            "SELECT rowid AS r, first, entries FROM id_chunks WHERE run = ? ORDER BY first, rowid LIMIT 1",
            this.run,
          )
        : this.sql.first<{ r: number; first: ArrayBuffer; entries: ArrayBuffer }>(
            "SELECT rowid AS r, first, entries FROM id_chunks WHERE run = ? AND (first > ? OR (first = ? AND rowid > ?)) ORDER BY first, rowid LIMIT 1",
            this.run, blob(this.lastFirst), blob(this.lastFirst), this.lastRowid,
          );
    if (!row) {
      this.done = true;
      return;
    }
    this.lastFirst = new Uint8Array(row.first);
    this.lastRowid = row.r;
    this.entries = new Uint8Array(row.entries);
    this.index = 0;
  }
}

function packEntries(entries: IdEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * ENTRY_BYTES);
  const view = new DataView(out.buffer);
  entries.forEach((entry, i) => {
    const at = i * ENTRY_BYTES;
    out.set(hexToBytes(entry.traceId), at);
    view.setUint32(at + 16, entry.block, true);
    view.setUint32(at + 20, entry.at, true);
    view.setUint32(at + 24, entry.length, true);
    view.setUint32(at + 28, entry.innerAt, true);
    view.setUint32(at + 32, entry.innerLength, true);
  });
  return out;
}

function blockOf(entry: Uint8Array): number {
  return new DataView(entry.buffer, entry.byteOffset, ENTRY_BYTES).getUint32(16, true);
}

/** Every entry for `id` in a sorted chunk. */
function findIn(chunk: Uint8Array, id: Uint8Array): IdLocation[] {
  const count = Math.floor(chunk.byteLength / ENTRY_BYTES);
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(chunk.subarray(mid * ENTRY_BYTES, mid * ENTRY_BYTES + ID_BYTES), id) < 0) lo = mid + 1;
    else hi = mid;
  }
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const found: IdLocation[] = [];
  for (let i = lo; i < count; i++) {
    const at = i * ENTRY_BYTES;
    if (compareIds(chunk.subarray(at, at + ID_BYTES), id) !== 0) break;
    found.push({
      block: view.getUint32(at + 16, true),
      at: view.getUint32(at + 20, true),
      length: view.getUint32(at + 24, true),
      innerAt: view.getUint32(at + 28, true),
      innerLength: view.getUint32(at + 32, true),
    });
  }
  return found;
}

function compareIds(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
