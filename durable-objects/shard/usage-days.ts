/**
 * Per-day usage totals in the shard's SQLite: one row per UTC day, updated inside transactions
 * that write rows anyway (a flush, a compaction, a retention pass) — never a row per request.
 */
import { addDay, emptyDay, type DayCounts, type UsageDay } from "../../worker/storage/usage";
import type { GuardedSql } from "../../worker/storage/sql-guard";

/** Days of usage kept. */
export const USAGE_DAYS_KEPT = 400;

export class UsageDays {
  constructor(private readonly sql: GuardedSql) {}

  /** Adds counts to days; each day touched is one row written. */
  add(byDay: Map<string, Partial<DayCounts>>): void {
    for (const [day, counts] of byDay) {
      const stored = this.sql.first<{ counts: string }>("SELECT counts FROM usage_days WHERE day = ?", day);
      const total = addDay(stored ? { ...emptyDay(day), ...(JSON.parse(stored.counts) as DayCounts), day } : emptyDay(day), counts);
      const { day: _, ...plain } = total;
      // The row itself is a row written: count it in the figure it stores.
      plain.objectRowsWritten += 1;
      this.sql.run(
        "INSERT INTO usage_days (day, counts) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET counts = excluded.counts",
        day, JSON.stringify(plain),
      );
    }
  }

  list(fromDay = "0000-00-00", toDay = "9999-99-99"): UsageDay[] {
    return this.sql
      .all<{ day: string; counts: string }>("SELECT day, counts FROM usage_days WHERE day >= ? AND day <= ? ORDER BY day", fromDay, toDay)
      .map((row) => ({ ...emptyDay(row.day), ...(JSON.parse(row.counts) as DayCounts), day: row.day }));
  }

  expire(beforeDay: string): number {
    return this.sql.run("DELETE FROM usage_days WHERE day < ?", beforeDay);
  }
}

/** Accumulates counts by day before one write per day. */
export class DayTally {
  readonly byDay = new Map<string, Partial<DayCounts>>();

  add(day: string, counts: Partial<DayCounts>): void {
    const into = this.byDay.get(day) ?? {};
    for (const [key, value] of Object.entries(counts) as Array<[keyof DayCounts, number]>) into[key] = (into[key] ?? 0) + value;
    this.byDay.set(day, into);
  }
}
