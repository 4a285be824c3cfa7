/**
 * Message spans waiting for their other side (worker/metrics/pairing.ts), in the shard's SQLite:
 * a flush takes them all and puts back what still waits, in the same transaction as the metrics
 * it adds — so a call is counted exactly once, whatever crashes. Rows of ≤ 1 MB of JSON each.
 */
import type { GraphSpan } from "../../worker/model/service-graph";
import type { HeldSpan } from "../../worker/metrics/pairing";
import type { GuardedSql } from "../../worker/storage/sql-guard";

const ROW_CHARS = 1_000_000;

export class HeldSpans {
  private readonly sql: GuardedSql;

  constructor(sql: GuardedSql) {
    this.sql = sql;
  }

  /** Every held span, removed from the table. Call inside the transaction that puts back the rest. */
  take(): HeldSpan[] {
    const rows = this.sql.all<{ data: string }>("SELECT data FROM held_spans");
    if (rows.length === 0) return [];
    this.sql.run("DELETE FROM held_spans");
    return rows.flatMap((row) => JSON.parse(row.data) as HeldSpan[]);
  }

  put(held: readonly HeldSpan[]): void {
    let row: string[] = [];
    let chars = 0;
    let until = Infinity;
    const write = () => {
      if (row.length) this.sql.run("INSERT INTO held_spans (until, data) VALUES (?, ?)", until, `[${row.join(",")}]`);
      row = [];
      chars = 0;
      until = Infinity;
    };
    for (const h of held) {
      // The operation was counted when the span was flushed: only what pairing reads is kept.
      const json = JSON.stringify({ span: { ...h.span, name: "" } satisfies GraphSpan, until: h.until });
      if (chars + json.length > ROW_CHARS) write();
      row.push(json);
      chars += json.length + 1;
      until = Math.min(until, h.until);
    }
    write();
  }

  /** When the first held span's window ends, or null. */
  nextDue(): number | null {
    return this.sql.first<{ at: number | null }>("SELECT min(until) AS at FROM held_spans")?.at ?? null;
  }
}
