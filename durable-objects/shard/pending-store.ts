/**
 * Acknowledged spans not yet in R2, durable in the shard's SQLite, and the map of open traces.
 *
 * Rows: one per group commit (all appends that reached the object while the previous write was
 * being made), never one per span. A row's body is its requests' chunks back to back, each as the
 * Worker compressed it (shard-protocol.ts), and `slices` says where each trace's slices lie in
 * which chunk, so the open-trace map is rebuilt after a restart without reading any spans. Rows
 * never exceed the 2 MB row limit: chunks are packed into rows of at most MAX_ROW_BYTES, and no
 * chunk is larger than that.
 *
 * Flushed rows are not deleted but reused: a DELETE now and an INSERT later are two rows written,
 * an UPDATE of a free row is one. Which rows are free is written once per flush (meta 'free', as
 * [slot, seq] pairs): a free row that is reused gets a new seq, so after a restart a row is free
 * only if its seq is still the one recorded free — never a row written after the record.
 */
import { blob, placeholders, type GuardedSql } from "../../worker/storage/sql-guard";
import { brotliDecompressSync } from "node:zlib";
import type { ShardPart } from "../../worker/storage/shard-protocol";

/** Body bytes plus slice-list bytes of one row: under the 2,000,000-byte limit with room to spare. */
export const MAX_ROW_BYTES = 1_900_000;
/**
 * Free rows kept for reuse, at most: enough for every request between two flushes (a row reused is
 * one row written; a row deleted and a new one inserted are two), within a bound on the space they
 * keep allocated. Beyond, the oldest are deleted.
 */
const MAX_FREE_ROWS = 4_096;
const MAX_FREE_BYTES = 64 * 1024 * 1024;

/** A slice of a trace in a pending row: in chunk `chunk`, at `at` of its uncompressed bytes. */
export interface PendingPart {
  slot: number;
  chunk: number;
  at: number;
  length: number;
  spans: number;
}

export interface OpenTrace {
  /** When its first pending span arrived, and its last (ms, shard clock). */
  firstSeen: number;
  lastSeen: number;
  /** Pending OTLP bytes and spans. */
  bytes: number;
  spans: number;
  parts: PendingPart[];
}

/** What a row carried, counted into its day's usage when it is freed. */
export interface RowInfo {
  seq: number;
  received: number;
  appends: number;
  spans: number;
  /** Uncompressed OTLP bytes. */
  bytes: number;
  /** Bytes of its body as stored (compressed). */
  stored: number;
  /** Where each chunk lies in the row's body: [at, length]. */
  chunks: Array<[number, number]>;
  /** Parts of open traces still in it; at zero the row is free. */
  users: number;
}

type StoredSlice = [traceId: string, chunk: number, at: number, length: number, spans: number];
/** The `slices` column: chunks as [at, length, raw bytes] in the body, and slices in them. */
interface StoredList {
  c: Array<[number, number, number]>;
  s: StoredSlice[];
}

export class PendingStore {
  readonly open = new Map<string, OpenTrace>();
  private readonly rows = new Map<number, RowInfo>();
  /** Free slot → its seq (as the row holds it) and when it was freed. */
  private readonly free = new Map<number, { seq: number; freedAt: number; stored: number }>();
  private nextSeq = 1;
  private nextSlot = 1;
  /** Uncompressed bytes in live rows. */
  bytes = 0;

  constructor(private readonly sql: GuardedSql) {}

  /** Rebuilds rows, free list and open traces from storage (after a restart). */
  load(now: number): void {
    const freeText = this.sql.first<{ value: string }>("SELECT value FROM meta WHERE key = 'free'")?.value;
    const recordedFree = new Map<number, number>((freeText ? (JSON.parse(freeText) as Array<[number, number]>) : []).map(([slot, seq]) => [slot, seq]));
    const rows = this.sql.all<{ slot: number; seq: number; received: number; appends: number; spans: number; slices: string; stored: number }>(
      "SELECT slot, seq, received, appends, spans, slices, length(body) AS stored FROM pending_rows ORDER BY seq",
    );
    for (const row of rows) {
      this.nextSeq = Math.max(this.nextSeq, row.seq + 1);
      this.nextSlot = Math.max(this.nextSlot, row.slot + 1);
      if (recordedFree.get(row.slot) === row.seq) {
        this.free.set(row.slot, { seq: row.seq, freedAt: now, stored: row.stored });
        continue;
      }
      const list = JSON.parse(row.slices) as StoredList;
      const bytes = list.c.reduce((n, [, , raw]) => n + raw, 0);
      const info: RowInfo = { seq: row.seq, received: row.received, appends: row.appends, spans: row.spans, bytes, stored: row.stored, chunks: list.c.map(([at, length]) => [at, length]), users: 0 };
      this.rows.set(row.slot, info);
      this.bytes += bytes;
      this.track(row.slot, info, list.s);
    }
  }

  get rowCount(): number {
    return this.rows.size;
  }

  /**
   * Writes the parts durably (the caller's storage commit is what makes them durable) and opens
   * their traces. Chunks are packed into as few rows as fit.
   */
  write(parts: ShardPart[], now: number): void {
    let bodies: Uint8Array[] = [];
    let list: StoredList = { c: [], s: [] };
    let size = 0;
    let listSize = 16;
    let appends = 0;
    let spans = 0;
    const emit = () => {
      if (list.c.length === 0) return;
      this.writeRow(concat(bodies, size), list, appends, spans, now);
      bodies = [];
      list = { c: [], s: [] };
      size = 0;
      listSize = 16;
      appends = 0;
      spans = 0;
    };
    for (const part of parts) {
      appends++;
      for (const chunk of part.chunks) {
        const entriesSize = chunk.slices.reduce((n, [traceId]) => n + traceId.length + 48, 24);
        if (list.c.length > 0 && size + chunk.body.byteLength + listSize + entriesSize > MAX_ROW_BYTES) emit();
        const index = list.c.length;
        list.c.push([size, chunk.body.byteLength, chunk.rawBytes]);
        for (const [traceId, at, length, count] of chunk.slices) {
          list.s.push([traceId, index, at, length, count]);
          spans += count;
        }
        bodies.push(chunk.body);
        size += chunk.body.byteLength;
        listSize += entriesSize;
      }
    }
    emit();
  }

  private writeRow(body: Uint8Array, list: StoredList, appends: number, spans: number, now: number): void {
    const seq = this.nextSeq++;
    const text = JSON.stringify(list);
    const reuse = this.free.keys().next();
    let slot: number;
    if (!reuse.done) {
      slot = reuse.value;
      this.free.delete(slot);
      this.sql.run(
        "UPDATE pending_rows SET seq = ?, received = ?, appends = ?, spans = ?, slices = ?, body = ? WHERE slot = ?",
        seq, now, appends, spans, text, blob(body), slot,
      );
    } else {
      slot = this.nextSlot++;
      this.sql.run(
        "INSERT INTO pending_rows (slot, seq, received, appends, spans, slices, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
        slot, seq, now, appends, spans, text, blob(body),
      );
    }
    const bytes = list.c.reduce((n, [, , raw]) => n + raw, 0);
    const info: RowInfo = { seq, received: now, appends, spans, bytes, stored: body.byteLength, chunks: list.c.map(([at, length]) => [at, length]), users: 0 };
    this.rows.set(slot, info);
    this.bytes += bytes;
    this.track(slot, info, list.s);
  }

  private track(slot: number, info: RowInfo, slices: StoredSlice[]): void {
    for (const [traceId, chunk, at, length, spans] of slices) {
      const part = { slot, chunk, at, length, spans };
      const open = this.open.get(traceId);
      if (open) {
        open.lastSeen = Math.max(open.lastSeen, info.received);
        open.firstSeen = Math.min(open.firstSeen, info.received);
        open.bytes += length;
        open.spans += spans;
        open.parts.push(part);
      } else {
        this.open.set(traceId, { firstSeen: info.received, lastSeen: info.received, bytes: length, spans, parts: [part] });
      }
      info.users++;
    }
  }

  /** A reader of chunks that decompresses each once — for one flush, lookup or search. */
  reader(): ChunkReader {
    return new ChunkReader(this);
  }

  /** The bytes of some parts back to back: concatenated OTLP requests are one request. */
  read(parts: PendingPart[], reader = this.reader()): Uint8Array {
    const pieces = parts.map((p) => reader.chunk(p.slot, p.chunk).subarray(p.at, p.at + p.length));
    return concat(pieces, pieces.reduce((n, p) => n + p.byteLength, 0));
  }

  /** Where a row's chunk lies in its body. */
  chunkExtent(slot: number, chunk: number): [number, number] | undefined {
    return this.rows.get(slot)?.chunks[chunk];
  }

  /** Row bodies (compressed chunks) by slot, each read once however many traces it holds. */
  bodies(slots: number[]): Map<number, Uint8Array> {
    const unique = [...new Set(slots)];
    const bodies = new Map<number, Uint8Array>();
    // 90 a statement: a statement may bind at most 100 values.
    for (let i = 0; i < unique.length; i += 90) {
      const chunk = unique.slice(i, i + 90);
      for (const row of this.sql.all<{ slot: number; body: ArrayBuffer }>(`SELECT slot, body FROM pending_rows WHERE slot IN (${placeholders(chunk.length)})`, ...chunk)) {
        bodies.set(row.slot, new Uint8Array(row.body));
      }
    }
    return bodies;
  }

  /**
   * Forgets flushed parts: traces with nothing left pending close, rows with no parts left become
   * free. Records the free list in the same transaction as the caller's other writes; returns the
   * rows freed, whose counts belong in usage. Must run inside the flush's storage transaction.
   */
  release(flushed: Map<string, PendingPart[]>, now: number): RowInfo[] {
    const { leaving, emptied } = this.releasedRows(flushed);
    const freeList: Array<[number, number, number]> = [...this.free].map(([slot, { seq, stored }]) => [slot, seq, stored]);
    for (const [slot, info] of emptied) freeList.push([slot, info.seq, info.stored]);
    // Beyond the bounds, the oldest free rows are deleted rather than kept.
    let keptBytes = freeList.reduce((n, [, , stored]) => n + stored, 0);
    let drop = 0;
    while (drop < freeList.length && (freeList.length - drop > MAX_FREE_ROWS || keptBytes > MAX_FREE_BYTES)) keptBytes -= (freeList[drop++] as [number, number, number])[2];
    const surplus = freeList.splice(0, drop);
    for (let i = 0; i < surplus.length; i += 90) {
      const chunk = surplus.slice(i, i + 90).map(([slot]) => slot);
      this.sql.run(`DELETE FROM pending_rows WHERE slot IN (${placeholders(chunk.length)})`, ...chunk);
    }
    this.sql.run("INSERT INTO meta (key, value) VALUES ('free', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(freeList.map(([slot, seq]) => [slot, seq])));

    // The writes succeeded: now change memory (a failed write above leaves it as it was).
    for (const [traceId, parts] of flushed) {
      const open = this.open.get(traceId);
      if (!open) continue;
      const gone = new Set(parts);
      open.parts = open.parts.filter((part) => !gone.has(part));
      for (const part of parts) {
        open.bytes -= part.length;
        open.spans -= part.spans;
      }
      if (open.parts.length === 0) this.open.delete(traceId);
    }
    for (const [slot, count] of leaving) {
      const info = this.rows.get(slot);
      if (info) info.users -= count;
    }
    const kept = new Set(freeList.map(([slot]) => slot));
    for (const [slot] of surplus) this.free.delete(slot);
    for (const [slot, info] of emptied) {
      this.rows.delete(slot);
      this.bytes -= info.bytes;
      if (kept.has(slot)) this.free.set(slot, { seq: info.seq, freedAt: now, stored: info.stored });
    }
    return emptied.map(([, info]) => info);
  }

  /** How many parts each row loses, and the rows left with none — without changing anything yet. */
  private releasedRows(flushed: Map<string, PendingPart[]>): { leaving: Map<number, number>; emptied: Array<[number, RowInfo]> } {
    const leaving = new Map<number, number>();
    for (const parts of flushed.values()) for (const { slot } of parts) leaving.set(slot, (leaving.get(slot) ?? 0) + 1);
    const emptied: Array<[number, RowInfo]> = [];
    for (const [slot, count] of leaving) {
      const info = this.rows.get(slot);
      if (info && info.users - count <= 0) emptied.push([slot, info]);
    }
    return { leaving, emptied };
  }

  /** Deletes free rows freed before `before`: flushed spans should not linger in a reusable row. */
  purgeFree(before: number): number {
    const old = [...this.free].filter(([, f]) => f.freedAt < before).map(([slot]) => slot);
    if (old.length === 0) return 0;
    for (let i = 0; i < old.length; i += 90) {
      const chunk = old.slice(i, i + 90);
      this.sql.run(`DELETE FROM pending_rows WHERE slot IN (${placeholders(chunk.length)})`, ...chunk);
    }
    for (const slot of old) this.free.delete(slot);
    const freeList = [...this.free].map(([slot, { seq }]) => [slot, seq]);
    this.sql.run("INSERT INTO meta (key, value) VALUES ('free', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(freeList));
    return old.length;
  }

  /** Rows of live data: their counts not yet in usage_days. */
  liveRows(): RowInfo[] {
    return [...this.rows.values()];
  }
}

export function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Decompressed bytes a ChunkReader keeps at most. */
const READER_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Chunks of pending rows, decompressed on first use and kept for the reader's life (one flush,
 * lookup or search): rows hold many traces, and a flush reads most of them.
 */
export class ChunkReader {
  private readonly bodies = new Map<number, Uint8Array>();
  private readonly chunks = new Map<string, Uint8Array>();
  private cachedBytes = 0;
  private readonly store: PendingStore;

  constructor(store: PendingStore) {
    this.store = store;
  }

  /** Reads the bodies of these rows at once (one statement per 90 rows). */
  preload(slots: number[]): void {
    const missing = [...new Set(slots)].filter((slot) => !this.bodies.has(slot));
    for (const [slot, body] of this.store.bodies(missing)) this.bodies.set(slot, body);
  }

  chunk(slot: number, chunk: number): Uint8Array {
    const key = `${slot}:${chunk}`;
    let bytes = this.chunks.get(key);
    if (bytes) return bytes;
    let body = this.bodies.get(slot);
    if (!body) {
      body = this.store.bodies([slot]).get(slot);
      if (!body) throw new Error(`pending row ${slot} is missing`);
      this.bodies.set(slot, body);
    }
    const extent = this.store.chunkExtent(slot, chunk);
    if (!extent) throw new Error(`pending row ${slot} has no chunk ${chunk}`);
    bytes = new Uint8Array(brotliDecompressSync(body.subarray(extent[0], extent[0] + extent[1])));
    // Bounded: past the budget, start over (a chunk is decompressed again if asked for again).
    if (this.cachedBytes + bytes.byteLength > READER_CACHE_BYTES) {
      this.chunks.clear();
      this.cachedBytes = 0;
    }
    this.chunks.set(key, bytes);
    this.cachedBytes += bytes.byteLength;
    return bytes;
  }
}
