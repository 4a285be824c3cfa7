/**
 * R2 objects to delete, and when. Blocks replaced by compaction stay readable for a grace period:
 * a search or lookup that resolved their location a moment earlier must still find them. Expired
 * blocks and abandoned writes are due at once. The rows make deletion survive restarts: nothing
 * this shard wrote is ever left behind in R2.
 */
import type { GuardedSql } from "../../worker/storage/sql-guard";

/** How long a replaced block stays readable: longer than any read that resolved it can take. */
export const REPLACED_GRACE_MS = 5 * 60_000;
/** R2 deletes up to 1,000 keys a call. */
const DELETE_BATCH = 1_000;

export class Garbage {
  constructor(private readonly sql: GuardedSql) {}

  add(keys: string[], after: number): void {
    for (const key of keys) {
      this.sql.run("INSERT INTO garbage (key, after) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET after = min(after, excluded.after)", key, after);
    }
  }

  /** Deletes due objects, at most `limit`; returns how many. */
  async collect(bucket: R2Bucket, now: number, limit = 5_000): Promise<number> {
    const due = this.sql.all<{ key: string }>("SELECT key FROM garbage WHERE after <= ? ORDER BY after LIMIT ?", now, limit).map((r) => r.key);
    for (let i = 0; i < due.length; i += DELETE_BATCH) {
      const batch = due.slice(i, i + DELETE_BATCH);
      await bucket.delete(batch);
      for (const key of batch) this.sql.run("DELETE FROM garbage WHERE key = ?", key);
    }
    return due.length;
  }

  nextDue(): number | null {
    return this.sql.first<{ t: number | null }>("SELECT min(after) AS t FROM garbage")?.t ?? null;
  }
}
