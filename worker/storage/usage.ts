/**
 * What storing spans costs us, counted where the work happens (the tenant's trace shards), and
 * priced at Cloudflare's list prices. `GET /api/usage` reports it per tenant; `npm run bench` turns
 * it into dollars per million spans.
 *
 * Two views: `StorageUsage` since the objects last started (in memory), and per-day totals that
 * survive restarts. The daily totals are written with work that writes rows anyway — a flush, a
 * compaction — never a row per request: a request's counts ride in its pending row and are added
 * to its day when that row is flushed.
 */

export interface StorageUsage {
  /** When counting began (the objects' last start), ms. */
  since: number;
  /** append() calls: Durable Object requests made by ingest. */
  appends: number;
  spansAppended: number;
  /** SQLite rows written inside the trace-assembly objects (billed like D1 rows). */
  objectRowsWritten: number;
  /** D1 rows written (summary rows and their index entries). */
  d1RowsWritten: number;
  /** R2 writes (class A) and reads (class B). */
  r2Puts: number;
  r2Gets: number;
  /** Compressed bytes written to R2. */
  r2BytesWritten: number;
  tracesCompleted: number;
  flushes: number;
}

/** Per-day totals of one tenant (one shard's, or summed over its shards), keyed by UTC day. */
export interface UsageDay {
  /** "YYYY-MM-DD", UTC. */
  day: string;
  appends: number;
  spansAppended: number;
  /** OTLP bytes accepted into pending rows. */
  bytesAppended: number;
  /** Spans refused because their trace reached its size cap. */
  spansRefused: number;
  objectRowsWritten: number;
  r2Puts: number;
  r2Gets: number;
  r2BytesWritten: number;
  tracesCompleted: number;
  flushes: number;
  compactions: number;
  /** Blocks deleted because they expired. */
  blocksExpired: number;
}

export type DayCounts = Omit<UsageDay, "day">;

export function emptyDay(day: string): UsageDay {
  return {
    day,
    appends: 0,
    spansAppended: 0,
    bytesAppended: 0,
    spansRefused: 0,
    objectRowsWritten: 0,
    r2Puts: 0,
    r2Gets: 0,
    r2BytesWritten: 0,
    tracesCompleted: 0,
    flushes: 0,
    compactions: 0,
    blocksExpired: 0,
  };
}

/** Adds `part`'s counts into `into` (mutating it). */
export function addDay(into: UsageDay, part: Partial<DayCounts>): UsageDay {
  for (const [key, value] of Object.entries(part) as Array<[keyof DayCounts, number | undefined]>) {
    if (typeof value === "number" && key in into) into[key] += value;
  }
  return into;
}

/** Sums days of several shards, by day, oldest first. */
export function mergeDays(lists: UsageDay[][]): UsageDay[] {
  const byDay = new Map<string, UsageDay>();
  for (const list of lists) {
    for (const day of list) {
      const into = byDay.get(day.day) ?? emptyDay(day.day);
      const { day: _, ...counts } = day;
      byDay.set(day.day, addDay(into, counts));
    }
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function emptyUsage(since = Date.now()): StorageUsage {
  return {
    since,
    appends: 0,
    spansAppended: 0,
    objectRowsWritten: 0,
    d1RowsWritten: 0,
    r2Puts: 0,
    r2Gets: 0,
    r2BytesWritten: 0,
    tracesCompleted: 0,
    flushes: 0,
  };
}

export function addUsage(total: StorageUsage, part: StorageUsage): StorageUsage {
  const sum = { ...total, since: Math.min(total.since, part.since) };
  for (const key of Object.keys(part) as Array<keyof StorageUsage>) if (key !== "since") sum[key] += part[key];
  return sum;
}

/** Cloudflare list prices, USD per unit (../shared/guides/reference.md). */
export const PRICES = {
  workerRequest: 0.3 / 1e6,
  objectRequest: 0.15 / 1e6,
  rowWritten: 1.0 / 1e6,
  r2ClassA: 4.5 / 1e6,
  r2ClassB: 0.36 / 1e6,
} as const;

export interface CostBreakdown {
  workerRequests: number;
  objectRequests: number;
  objectRows: number;
  d1Rows: number;
  r2Writes: number;
  r2Reads: number;
  total: number;
}

/** Dollars per million spans ingested, given the Worker requests that carried them. */
export function costPerMillionSpans(usage: StorageUsage, workerRequests: number): CostBreakdown {
  const scale = usage.spansAppended > 0 ? 1e6 / usage.spansAppended : 0;
  const parts = {
    workerRequests: workerRequests * PRICES.workerRequest * scale,
    objectRequests: usage.appends * PRICES.objectRequest * scale,
    objectRows: usage.objectRowsWritten * PRICES.rowWritten * scale,
    d1Rows: usage.d1RowsWritten * PRICES.rowWritten * scale,
    r2Writes: usage.r2Puts * PRICES.r2ClassA * scale,
    r2Reads: usage.r2Gets * PRICES.r2ClassB * scale,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}
