/**
 * The signs of broken propagation (worker/propagation/signs.ts) of the traces a shard flushed, in
 * its SQLite: one row per flush that found any, written in the flush's transaction. A healthy
 * trace has none, so healthy traffic writes nothing here; a broken one costs its record (~300 B of
 * JSON) inside the flush's one row — never a row per span or per trace, and no R2 read.
 *
 * Kept as long as the minute metrics (25 h): the detector looks back at most a day, and the
 * findings' call graph comes from the metrics of the same window.
 */
import { MINUTES_KEPT_MS } from "../../worker/metrics/aggregate";
import type { TraceSigns } from "../../worker/propagation/signs";
import type { GuardedSql } from "../../worker/storage/sql-guard";

/** A row's JSON stays far under the 2 MB row limit; records past it are counted, not kept. */
const ROW_CHARS = 1_000_000;
/** Records a read returns at most (the newest), to bound an answer over a day of broken traffic. */
export const MAX_READ_RECORDS = 5_000;
/**
 * A trace's signs are written when it is flushed: after it went quiet, waited for its block and
 * perhaps backed off. Reads look this much later than the window they want.
 */
export const FLUSH_LAG_MS = 15 * 60_000;

export class PropagationStore {
  /** Records not kept because their flush's row was full (never expected at real rates). */
  dropped = 0;
  private lastAt = 0;

  constructor(private readonly sql: GuardedSql) {}

  /** Writes one flush's records. Call inside the flush's transaction. */
  put(now: number, records: readonly TraceSigns[]): void {
    if (records.length === 0) return;
    const parts: string[] = [];
    let chars = 2;
    for (const record of records) {
      const json = JSON.stringify(record);
      if (chars + json.length + 1 > ROW_CHARS) {
        this.dropped += records.length - parts.length;
        break;
      }
      parts.push(json);
      chars += json.length + 1;
    }
    // The flush time is the row's key (a rowid: range reads seek, no index to write); two flushes
    // in one millisecond take the next one.
    const at = Math.max(now, this.lastAt + 1, (this.sql.first<{ at: number }>("SELECT max(at) AS at FROM propagation_signs")?.at ?? 0) + 1);
    this.lastAt = at;
    this.sql.run("INSERT INTO propagation_signs (at, data) VALUES (?, ?)", at, `[${parts.join(",")}]`);
  }

  /** Records of traces that started in [fromMs, toMs), newest flushes first. */
  range(fromMs: number, toMs: number): TraceSigns[] {
    const rows = this.sql.all<{ data: string }>("SELECT data FROM propagation_signs WHERE at >= ? AND at < ? ORDER BY at DESC", fromMs, toMs + FLUSH_LAG_MS);
    const out: TraceSigns[] = [];
    for (const row of rows) {
      for (const record of JSON.parse(row.data) as TraceSigns[]) {
        const startMs = record.startUs / 1000;
        if (startMs >= fromMs && startMs < toMs) out.push(record);
      }
      if (out.length >= MAX_READ_RECORDS) break;
    }
    return out.slice(0, MAX_READ_RECORDS);
  }

  expire(now: number): number {
    return this.sql.run("DELETE FROM propagation_signs WHERE at < ?", now - MINUTES_KEPT_MS);
  }
}
