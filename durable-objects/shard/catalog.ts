/**
 * The services and operations a shard has stored spans for, with the day each was last seen — what
 * `/api/services` and `/api/operations` list. Written at flush time only for operations new or
 * not yet seen today, so a steady stream of the same operations writes a row per operation per
 * day, not per flush. Capped per shard: a client that puts ids in span names cannot grow it
 * without bound (what is over the cap is counted, and its spans stay searchable by name).
 */
import type { OperationRef } from "../../worker/trace-index/search-entry";
import type { GuardedSql } from "../../worker/storage/sql-guard";

export const MAX_OPERATIONS = 10_000;
/** Names longer than this are listed truncated (search by the full name still works). */
export const MAX_NAME_CHARS = 1_024;

const DAY_MS = 86_400_000;

export class Catalog {
  /** "service\tname\tkind" → last day seen; loaded on first use. */
  private known: Map<string, number> | null = null;
  /** Operations not recorded because the catalogue was full. */
  overflow = 0;

  constructor(private readonly sql: GuardedSql) {}

  private load(): Map<string, number> {
    if (this.known) return this.known;
    this.known = new Map();
    for (const row of this.sql.iterate<{ service: string; name: string; kind: number; last_day: number }>("SELECT service, name, kind, last_day FROM operations")) {
      this.known.set(key(row.service, row.name, row.kind), row.last_day);
    }
    return this.known;
  }

  /** Records operations seen at `now`; one row for each that is new or last seen on another day. */
  note(operations: Iterable<OperationRef>, now: number): void {
    const known = this.load();
    const day = Math.floor(now / DAY_MS);
    for (const op of operations) {
      const service = op.service.slice(0, MAX_NAME_CHARS);
      const name = op.name.slice(0, MAX_NAME_CHARS);
      const k = key(service, name, op.kind);
      const last = known.get(k);
      if (last !== undefined && last >= day) continue;
      if (last === undefined && known.size >= MAX_OPERATIONS) {
        this.overflow++;
        continue;
      }
      this.sql.run(
        "INSERT INTO operations (service, name, kind, last_day) VALUES (?, ?, ?, ?) ON CONFLICT (service, name, kind) DO UPDATE SET last_day = excluded.last_day",
        service, name, op.kind, day,
      );
      known.set(k, day);
    }
  }

  /** Operations seen on or after `notBefore` (ms). */
  list(notBefore: number): Array<[string, string, number]> {
    const day = Math.floor(notBefore / DAY_MS);
    return this.sql.all<{ service: string; name: string; kind: number }>("SELECT service, name, kind FROM operations WHERE last_day >= ?", day).map((r) => [r.service, r.name, r.kind]);
  }

  /** Forgets operations last seen before `before` (ms): their spans have expired. */
  expire(before: number): number {
    const day = Math.floor(before / DAY_MS);
    const removed = this.sql.run("DELETE FROM operations WHERE last_day < ?", day);
    if (removed && this.known) for (const [k, last] of this.known) if (last < day) this.known.delete(k);
    return removed;
  }
}

function key(service: string, name: string, kind: number): string {
  return `${service}\t${name}\t${kind}`;
}
