/**
 * RED metrics and service-graph edges, in the shard's SQLite: one row per minute bucket (kept a
 * day) and one per hour bucket (kept as long as the tenant's traces), each a whole Aggregate
 * (worker/metrics/aggregate.ts). A flush adds its traces to the minute and the hour buckets they
 * started in, in its own transaction: rows written per bucket touched per flush, never per span or
 * trace, and an hour always equals the sum of its minutes.
 */
import { Aggregate, HOUR_MS, MINUTE_MS, MINUTES_KEPT_MS } from "../../worker/metrics/aggregate";
import { blob, type GuardedSql } from "../../worker/storage/sql-guard";

export class MetricsStore {
  /** Buckets left unwritten because their encoding would pass the row limit (never expected: the caps bound them). */
  dropped = 0;
  private readonly sql: GuardedSql;

  constructor(sql: GuardedSql) {
    this.sql = sql;
  }

  /** Adds minute buckets (by their start, ms) into their minute and hour rows. Call inside a transaction. */
  add(minutes: Map<number, Aggregate>): void {
    const hours = new Map<number, Aggregate>();
    for (const [minute, aggregate] of minutes) {
      this.mergeInto(MINUTE_MS, minute, aggregate);
      const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
      const sum = hours.get(hour) ?? new Aggregate();
      hours.set(hour, sum.merge(aggregate));
    }
    for (const [hour, aggregate] of hours) this.mergeInto(HOUR_MS, hour, aggregate);
  }

  private mergeInto(resolution: number, bucket: number, aggregate: Aggregate): void {
    const row = this.sql.first<{ data: ArrayBuffer }>("SELECT data FROM metric_buckets WHERE resolution = ? AND bucket = ?", resolution, bucket);
    const merged = row ? Aggregate.decode(new Uint8Array(row.data)).merge(aggregate) : aggregate;
    const bytes = merged.encode();
    if (bytes.byteLength > 1_900_000) {
      this.dropped++;
      return;
    }
    this.sql.run(
      "INSERT INTO metric_buckets (resolution, bucket, data) VALUES (?, ?, ?) ON CONFLICT (resolution, bucket) DO UPDATE SET data = excluded.data",
      resolution, bucket, blob(bytes),
    );
  }

  /** Buckets of one resolution whose start lies in [from, to), oldest first, as stored. */
  range(resolution: number, from: number, to: number): Array<{ bucket: number; data: Uint8Array }> {
    return this.sql
      .all<{ bucket: number; data: ArrayBuffer }>("SELECT bucket, data FROM metric_buckets WHERE resolution = ? AND bucket >= ? AND bucket < ? ORDER BY bucket", resolution, from, to)
      .map((row) => ({ bucket: row.bucket, data: new Uint8Array(row.data) }));
  }

  /** Bytes stored now, by resolution. */
  storedBytes(): { minute: number; hour: number } {
    const rows = this.sql.all<{ resolution: number; bytes: number }>("SELECT resolution, coalesce(sum(length(data)), 0) AS bytes FROM metric_buckets GROUP BY resolution");
    return { minute: rows.find((r) => r.resolution === MINUTE_MS)?.bytes ?? 0, hour: rows.find((r) => r.resolution === HOUR_MS)?.bytes ?? 0 };
  }

  /** Deletes minute buckets older than MINUTES_KEPT_MS and hour buckets older than `hoursBefore`. */
  expire(now: number, hoursBefore: number): number {
    return (
      this.sql.run("DELETE FROM metric_buckets WHERE resolution = ? AND bucket < ?", MINUTE_MS, now - MINUTES_KEPT_MS) +
      this.sql.run("DELETE FROM metric_buckets WHERE resolution = ? AND bucket < ?", HOUR_MS, hoursBefore)
    );
  }
}
