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
  /**
   * Spans refused as too large: their trace reached its size cap, or the span alone passed
   * MAX_SPAN_BYTES (the Worker tells a shard of those). Returned in OTLP partial success.
   */
  spansRefused: number;
  /**
   * Completed traces the tenant's tail policy did not keep (worker/sampling/tail-decision.ts),
   * counted on the day of the flush that dropped them: their spans and their OTLP bytes, which
   * were never written to R2. They were counted in the graph and RED metrics all the same.
   */
  tracesDropped: number;
  spansDropped: number;
  bytesDropped: number;
  objectRowsWritten: number;
  /** Of those, rows written for RED metrics and the service graph (buckets, held message spans). */
  metricRowsWritten: number;
  r2Puts: number;
  r2Gets: number;
  r2BytesWritten: number;
  tracesCompleted: number;
  flushes: number;
  compactions: number;
  /** Blocks deleted because they expired. */
  blocksExpired: number;
  /** Alarm invocations (billed as Durable Object requests). */
  alarms: number;
}

/** What a tenant's storage holds now (live blocks, and its objects' SQLite). */
export interface StoredNow {
  blocks: number;
  /** Of which flushed and not yet compacted. */
  freshBlocks: number;
  traces: number;
  spans: number;
  /** Compressed bytes in R2 (blocks; archived traces not included). */
  r2Bytes: number;
  /** Uncompressed OTLP bytes those blocks hold. */
  rawBytes: number;
  /** The trace shards' SQLite databases, in bytes, as they are now (pending rows and free pages included). */
  objectBytes: number;
  /** Of which what stays as spans are kept: the block manifest, the trace id index, the catalogue. */
  indexBytes: number;
  /** RED metric buckets: minute rows (kept a day) and hour rows (kept as long as traces). */
  metricMinuteBytes: number;
  metricHourBytes: number;
}

export function emptyStored(): StoredNow {
  return { blocks: 0, freshBlocks: 0, traces: 0, spans: 0, r2Bytes: 0, rawBytes: 0, objectBytes: 0, indexBytes: 0, metricMinuteBytes: 0, metricHourBytes: 0 };
}

export function addStored(a: StoredNow, b: StoredNow): StoredNow {
  return {
    blocks: a.blocks + b.blocks,
    freshBlocks: a.freshBlocks + b.freshBlocks,
    traces: a.traces + b.traces,
    spans: a.spans + b.spans,
    r2Bytes: a.r2Bytes + b.r2Bytes,
    rawBytes: a.rawBytes + b.rawBytes,
    objectBytes: a.objectBytes + b.objectBytes,
    indexBytes: a.indexBytes + b.indexBytes,
    metricMinuteBytes: a.metricMinuteBytes + b.metricMinuteBytes,
    metricHourBytes: a.metricHourBytes + b.metricHourBytes,
  };
}

export type DayCounts = Omit<UsageDay, "day">;

export function emptyDay(day: string): UsageDay {
  return {
    day,
    appends: 0,
    spansAppended: 0,
    bytesAppended: 0,
    spansRefused: 0,
    tracesDropped: 0,
    spansDropped: 0,
    bytesDropped: 0,
    objectRowsWritten: 0,
    metricRowsWritten: 0,
    r2Puts: 0,
    r2Gets: 0,
    r2BytesWritten: 0,
    tracesCompleted: 0,
    flushes: 0,
    compactions: 0,
    blocksExpired: 0,
    alarms: 0,
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

/** Cloudflare list prices, USD per unit (../shared/guides/reference.md, scale.md). */
export const PRICES = {
  workerRequest: 0.3 / 1e6,
  objectRequest: 0.15 / 1e6,
  rowWritten: 1.0 / 1e6,
  r2ClassA: 4.5 / 1e6,
  r2ClassB: 0.36 / 1e6,
  /** Per byte per month. */
  r2Storage: 0.015 / 1e9,
  objectStorage: 0.2 / 1e9,
} as const;

export interface CostBreakdown {
  workerRequests: number;
  objectRequests: number;
  objectRows: number;
  r2Writes: number;
  r2Reads: number;
  /** Keeping the spans for `months` (R2 blocks, and the objects' index in SQLite). */
  r2Storage: number;
  objectStorage: number;
  /** Keeping the metric buckets: hours for `months`, minutes a day. */
  metricStorage: number;
  total: number;
  /** What RED metrics and the service graph add (their rows, within objectRows, and metricStorage). */
  aggregation: number;
}

/**
 * Dollars per million spans: the work counted in a tenant's daily usage, the Worker requests
 * that carried the spans, and storing what is left (after compaction) for `months` months.
 * Not priced: Durable Object duration (GB-s while an object is active), which depends on how
 * traffic is spread in time rather than on its volume.
 */
export function costPerMillionSpans(days: UsageDay[], stored: StoredNow, workerRequests: number, months = 1): CostBreakdown {
  const sum = (key: keyof DayCounts) => days.reduce((n, d) => n + d[key], 0);
  const spans = sum("spansAppended");
  const scale = spans > 0 ? 1e6 / spans : 0;
  const storedScale = stored.spans > 0 ? 1e6 / stored.spans : 0;
  const parts = {
    workerRequests: workerRequests * PRICES.workerRequest * scale,
    objectRequests: (sum("appends") + sum("alarms")) * PRICES.objectRequest * scale,
    objectRows: sum("objectRowsWritten") * PRICES.rowWritten * scale,
    r2Writes: sum("r2Puts") * PRICES.r2ClassA * scale,
    r2Reads: sum("r2Gets") * PRICES.r2ClassB * scale,
    r2Storage: stored.r2Bytes * storedScale * PRICES.r2Storage * months,
    objectStorage: stored.indexBytes * storedScale * PRICES.objectStorage * months,
    // Buckets hold a span of time, not spans: priced per span sent in that time. (A run shorter
    // than an hour prices its whole hour row against its own spans: counted high, not low.)
    metricStorage: (stored.metricHourBytes * months + stored.metricMinuteBytes / 30) * PRICES.objectStorage * scale,
  };
  const aggregation = sum("metricRowsWritten") * PRICES.rowWritten * scale + parts.metricStorage;
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0), aggregation };
}

// ── A tenant's usage as GET /api/usage answers it ────────────────────────────────────────────

/** Spans refused at ingest on a day, by reason (counted by worker/limits, never by the shards). */
export interface RejectedCounts {
  /** Malformed (OTLP partial success, or a refused body). */
  spansInvalid: number;
  /** Over the tenant's or a key's rate. */
  spansOverLimit: number;
  /** Over a key's daily cap or the plan's monthly quota. */
  spansOverQuota: number;
  bytesRejected: number;
}

/** One UTC day of a tenant: what its shards counted, and what ingest refused. */
export type TenantDay = UsageDay & RejectedCounts;

export interface Quota {
  plan: string;
  spansPerMonth: number;
  /** Spans accepted in the current UTC month, over all its days so far. */
  usedThisMonth: number;
  /** "YYYY-MM", UTC. */
  month: string;
}

/** GET /api/usage's answer. */
export interface UsageAnswer {
  from: string;
  to: string;
  /** Every day from `from` to `to`, oldest first, days with nothing counted as zeros. */
  days: TenantDay[];
  quota: Quota;
  /** Since the tenant's objects last started (in memory, not per day). */
  usage: StorageUsage;
  openTraces: number;
  stored: StoredNow;
}

/** The longest range one request may ask for, in days (a year, leap years included). */
export const MAX_USAGE_DAYS = 366;

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `value` is a real UTC day as YYYY-MM-DD (not 2026-02-30). */
export function isDay(value: string): boolean {
  if (!DAY_PATTERN.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && utcDay(ms) === value;
}

/** The days from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); ms <= end; ms += 86_400_000) days.push(utcDay(ms));
  return days;
}

export function emptyRejected(): RejectedCounts {
  return { spansInvalid: 0, spansOverLimit: 0, spansOverQuota: 0, bytesRejected: 0 };
}

/**
 * Every day of [from, to] with the shards' counts (summed over shards) and ingest's rejections
 * (`rejected` as worker/limits/rejections.ts reports them: one entry a day with any).
 */
export function tenantDays(from: string, to: string, shardDays: UsageDay[][], rejected: Array<RejectedCounts & { day: string }>): TenantDay[] {
  const counted = new Map(mergeDays(shardDays).map((d) => [d.day, d]));
  const refused = new Map<string, RejectedCounts>();
  for (const { day, spansInvalid, spansOverLimit, spansOverQuota, bytesRejected } of rejected) {
    const into = refused.get(day) ?? emptyRejected();
    refused.set(day, { spansInvalid: into.spansInvalid + spansInvalid, spansOverLimit: into.spansOverLimit + spansOverLimit, spansOverQuota: into.spansOverQuota + spansOverQuota, bytesRejected: into.bytesRejected + bytesRejected });
  }
  return daysBetween(from, to).map((day) => ({ ...(counted.get(day) ?? emptyDay(day)), ...(refused.get(day) ?? emptyRejected()) }));
}

/** Spans accepted in the UTC month of `today`, up to and including it. */
export function acceptedThisMonth(days: UsageDay[], today: string): number {
  const month = today.slice(0, 7);
  return days.reduce((n, d) => (d.day.slice(0, 7) === month && d.day <= today ? n + d.spansAppended : n), 0);
}
