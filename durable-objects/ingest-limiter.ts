/**
 * IngestLimiter: a tenant's ingest limits — spans per second with a burst, the plan's monthly
 * quota, each key's rate and daily cap — enforced where their state lives: one object per tenant
 * (`${tenantId}/limits/0`), asked before anything is stored — by each Worker isolate whenever
 * the spans the object leased it (worker/limits/lease.ts) do not cover a request. Limits hold
 * across isolates and locations because every span an isolate admits was first counted here, and
 * a tenant at its limit slows no other because each tenant has its own object.
 *
 * One object is enough for every plan: it answers ~1,000 calls a second, and at the SDK's
 * 512-span batches that is ~500,000 spans/s, past the largest plan's 200,000. (A flood of tiny
 * requests past 1,000/s overloads only the flooding tenant's own object.) The name leaves room to
 * spread a tenant over `/limits/1…` each holding its share of the rate, should a plan need it.
 *
 * Memory holds the truth; SQLite holds a copy written at most every PERSIST_INTERVAL_MS:
 * - rates are token buckets in memory only. A restart refills them, which grants at most one
 *   extra burst — cheaper than writing a bucket per request.
 * - counts (the month's spans, each key's spans today, spans refused today by reason) are written
 *   by an alarm set PERSIST_INTERVAL_MS after the first unwritten change, into one row a month
 *   (the keys' day counts as JSON in it) and, on days with refusals, one row a day. The alarm keeps the
 *   object alive until it has run, so an idle object is evicted only with everything written; a
 *   crash or deploy can lose at most the last interval's counts (a few seconds of spans).
 * So a busy tenant costs one row and one alarm per 5 s, whatever its request rate or number of
 * keys, and an idle one nothing: no row per request.
 *
 * Refusing is cheap: every check is arithmetic on memory, and a refusal writes nothing before the
 * next alarm.
 */
import { DurableObject } from "cloudflare:workers";
import type { RejectedDay } from "../worker/limits/rejections";
import { PERSIST_INTERVAL_MS, type Admission, type AdmitRequest, type KeyCaps, type LimiterReport, type Refusal } from "../worker/limits/protocol";
import { fullBucket, refill, secondsUntil, take, type Bucket } from "../worker/limits/token-bucket";

const DAY_MS = 86_400_000;
/** Refusals are kept per day for the usage page's ranges; older days are deleted. */
const REJECTED_DAYS_KEPT = 400;
/** Months of totals kept: the current and the previous ones, for operators. */
const MONTHS_KEPT = 13;

interface KeyState {
  bucket: Bucket | null;
  /** Spans this key sent on `day` (the object's current UTC day). */
  daySpans: number;
  dirty: boolean;
}

type RejectedCounts = Omit<RejectedDay, "day">;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const utcMonth = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export class IngestLimiter extends DurableObject<Env> {
  /** Time as this object sees it; tests drive it. */
  clock: () => number = () => Date.now();

  private tenantBucket: Bucket | null = null;
  private month = "";
  private monthSpans = 0;
  private monthDirty = false;
  private day = "";
  private keys = new Map<string, KeyState>();
  /** Day counts of keys as last written for `day`, read when a key is first seen again. */
  private storedKeyDays = new Map<string, number>();
  /** Refusals not yet written, by day: added to the stored rows when the alarm runs. */
  private rejectedDelta = new Map<string, RejectedCounts>();
  private alarmAt: number | null = null;
  /** This month's work, written with the month's count. */
  private stats = { requests: 0, alarms: 0, rowsWritten: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Synchronous SQL: the schema exists before any call runs, without blockConcurrencyWhile.
    // Every table is keyed by what an upsert names, so a write is one row (no secondary index).
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS month_counts (
        month TEXT PRIMARY KEY,
        spans INTEGER NOT NULL,
        -- The object's own work this month (calls, alarms, rows written): what limits cost, kept
        -- in the row written anyway, so an evicted object's earlier work is still counted.
        calls INTEGER NOT NULL DEFAULT 0,
        alarms INTEGER NOT NULL DEFAULT 0,
        rows_written INTEGER NOT NULL DEFAULT 0,
        -- Each key's spans on \`day\` as JSON {keyId: spans}: in this row, not a row per key, so a
        -- write is one row however many keys sent (rows cost $1/M; a key's entry is ~40 bytes).
        day TEXT NOT NULL DEFAULT '',
        key_day_spans TEXT NOT NULL DEFAULT '{}'
      ) WITHOUT ROWID; -- the key is the row: an upsert writes one row, not a row and its index entry
      -- Before key days moved into the month's row (a row per key and day): nothing reads them.
      DROP TABLE IF EXISTS key_day_spans;
      DROP TABLE IF EXISTS month_spans;
      CREATE TABLE IF NOT EXISTS rejected_days (
        day TEXT PRIMARY KEY,
        spans_invalid INTEGER NOT NULL DEFAULT 0,
        spans_over_limit INTEGER NOT NULL DEFAULT 0,
        spans_over_quota INTEGER NOT NULL DEFAULT 0,
        bytes_rejected INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `);
  }

  /** Allows the request (and counts it against every limit) or refuses it naming the limit. */
  async admit(request: AdmitRequest): Promise<Admission> {
    const now = this.clock();
    this.rollOver(now);
    this.stats.requests++;
    this.monthDirty = true;
    const { key, spans } = request;
    if (request.returned > 0) this.giveBack(key?.id ?? null, request.returned);
    if (request.invalidSpans > 0) this.reject(now, "spansInvalid", request.invalidSpans, 0);
    if (spans <= 0) {
      await this.scheduleWrite(now);
      return { allowed: true, leaseSpans: 0 };
    }

    const keyState = key ? this.keyState(key.id, now) : undefined;
    const refusal = this.check(request, now, keyState);
    if (refusal) {
      this.reject(now, refusal.limit === "tenant_rate" || refusal.limit === "key_rate" ? "spansOverLimit" : "spansOverQuota", spans, request.bytes);
      await this.scheduleWrite(now);
      return refusal;
    }

    const leaseSpans = this.leaseBeside(request, keyState);
    this.count(spans + leaseSpans, keyState);
    await this.scheduleWrite(now);
    return { allowed: true, leaseSpans };
  }

  /**
   * Gives back spans counted earlier: an admitted request whose storage failed (the exporter will
   * send it again), or what an isolate's lease did not use.
   */
  async refund(keyId: string | null, spans: number): Promise<void> {
    const now = this.clock();
    this.rollOver(now);
    this.stats.requests++;
    this.giveBack(keyId, spans);
    await this.scheduleWrite(now);
  }

  /** Refusals per day from `from` to `to` (YYYY-MM-DD, inclusive), written and not yet written. */
  async rejectedDays(from: string, to: string): Promise<RejectedDay[]> {
    const byDay = new Map<string, RejectedDay>();
    const rows = this.ctx.storage.sql.exec<{ day: string; spans_invalid: number; spans_over_limit: number; spans_over_quota: number; bytes_rejected: number }>(
      "SELECT * FROM rejected_days WHERE day BETWEEN ? AND ? ORDER BY day",
      from,
      to,
    );
    for (const row of rows) {
      byDay.set(row.day, { day: row.day, spansInvalid: row.spans_invalid, spansOverLimit: row.spans_over_limit, spansOverQuota: row.spans_over_quota, bytesRejected: row.bytes_rejected });
    }
    for (const [day, delta] of this.rejectedDelta) {
      if (day < from || day > to) continue;
      const total = byDay.get(day) ?? { day, spansInvalid: 0, spansOverLimit: 0, spansOverQuota: 0, bytesRejected: 0 };
      total.spansInvalid += delta.spansInvalid;
      total.spansOverLimit += delta.spansOverLimit;
      total.spansOverQuota += delta.spansOverQuota;
      total.bytesRejected += delta.bytesRejected;
      byDay.set(day, total);
    }
    return [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
  }

  async report(): Promise<LimiterReport> {
    const now = this.clock();
    this.rollOver(now);
    return {
      month: this.month,
      monthSpans: this.monthSpans,
      day: this.day,
      keys: [...this.keys].map(([id, state]) => ({ id, daySpans: state.daySpans })),
      ...this.stats,
    };
  }

  /** The tenant's account was deleted: its counts go with it (nothing is written after this). */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.alarmAt = null;
    this.tenantBucket = null;
    this.month = "";
    this.day = "";
    this.monthSpans = 0;
    this.monthDirty = false;
    this.keys.clear();
    this.rejectedDelta.clear();
    this.stats = { requests: 0, alarms: 0, rowsWritten: 0 };
  }

  override async alarm(): Promise<void> {
    const now = this.clock();
    this.rollOver(now);
    this.stats.alarms++;
    this.monthDirty = true;
    this.alarmAt = null;
    this.write(now);
  }

  /** Takes `spans` from every bucket and count (an admitted request, or a lease). */
  private count(spans: number, keyState: KeyState | undefined): void {
    if (this.tenantBucket) take(this.tenantBucket, spans);
    if (keyState) {
      if (keyState.bucket) take(keyState.bucket, spans);
      keyState.daySpans += spans;
      keyState.dirty = true;
    }
    this.monthSpans += spans;
    this.monthDirty = true;
  }

  /** The opposite of `count`; a bucket never fills past its size. */
  private giveBack(keyId: string | null, spans: number): void {
    this.monthSpans = Math.max(0, this.monthSpans - spans);
    this.monthDirty = true;
    if (this.tenantBucket) this.tenantBucket.tokens += spans;
    const keyState = keyId ? this.keys.get(keyId) : undefined;
    if (keyState) {
      keyState.daySpans = Math.max(0, keyState.daySpans - spans);
      keyState.dirty = true;
      if (keyState.bucket) keyState.bucket.tokens += spans;
    }
  }

  /**
   * Spans to lease beside an admitted request (see worker/limits/lease.ts): what the isolate
   * wants, at most half of what every limit has left once the request is counted, and nothing when
   * that would not fit another request like this one — near a limit every request is asked here.
   */
  private leaseBeside(request: AdmitRequest, keyState: KeyState | undefined): number {
    const { plan, key, spans } = request;
    if (request.leaseWanted <= 0) return 0;
    const halves = [request.leaseWanted * 2, (plan.spansPerMonth - this.monthSpans - spans), (this.tenantBucket?.tokens ?? 0) - spans];
    if (key && keyState) {
      if (key.spansPerDay !== null) halves.push(key.spansPerDay - keyState.daySpans - spans);
      if (key.spansPerSecond !== null && keyState.bucket) halves.push(keyState.bucket.tokens - spans);
    }
    const lease = Math.floor(Math.min(...halves) / 2);
    return lease >= spans ? lease : 0;
  }

  /** The first limit the request would break, most lasting first (a quota outlasts a rate). */
  private check(request: AdmitRequest, now: number, keyState: KeyState | undefined): Refusal | null {
    const { plan, key, spans } = request;
    if (this.monthSpans + spans > plan.spansPerMonth) {
      const resets = nextMonthStart(now);
      if (spans > plan.spansPerMonth) {
        return refuse("plan_monthly", 413, `a request of ${spans} spans is larger than the monthly quota of ${plan.spansPerMonth} spans of plan ${plan.name}; send smaller batches`, 0);
      }
      return refuse("plan_monthly", 429, `monthly quota of ${plan.spansPerMonth} spans of plan ${plan.name} reached; it resets ${new Date(resets).toISOString().slice(0, 10)} 00:00 UTC`, secondsTo(now, resets));
    }
    if (key && keyState && key.spansPerDay !== null && keyState.daySpans + spans > key.spansPerDay) {
      if (spans > key.spansPerDay) {
        return refuse("key_daily", 413, `a request of ${spans} spans is larger than key '${key.name}''s daily cap of ${key.spansPerDay} spans; send smaller batches`, 0);
      }
      return refuse("key_daily", 429, `key '${key.name}' daily cap of ${key.spansPerDay} spans reached; it resets at 00:00 UTC`, secondsTo(now, Math.floor(now / DAY_MS) * DAY_MS + DAY_MS));
    }
    this.tenantBucket ??= fullBucket(plan.burstSpans, now);
    refill(this.tenantBucket, now, plan.spansPerSecond, plan.burstSpans);
    const tenantWait = secondsUntil(this.tenantBucket, spans, plan.spansPerSecond, plan.burstSpans);
    if (tenantWait > 0) {
      return refuse("tenant_rate", 429, `tenant rate limit of ${plan.spansPerSecond} spans/s exceeded; retry after ${tenantWait} s`, tenantWait);
    }
    if (key && keyState && key.spansPerSecond !== null) {
      const size = keyBurst(key, request.plan);
      keyState.bucket ??= fullBucket(size, now);
      refill(keyState.bucket, now, key.spansPerSecond, size);
      const keyWait = secondsUntil(keyState.bucket, spans, key.spansPerSecond, size);
      if (keyWait > 0) {
        return refuse("key_rate", 429, `key '${key.name}' rate limit of ${key.spansPerSecond} spans/s exceeded; retry after ${keyWait} s`, keyWait);
      }
    } else if (keyState) {
      // The cap was removed: a later cap starts from a full bucket.
      keyState.bucket = null;
    }
    return null;
  }

  private keyState(keyId: string, now: number): KeyState {
    let state = this.keys.get(keyId);
    if (!state) {
      // First sight of the key today in this object's life: continue the stored count.
      state = { bucket: null, daySpans: this.storedKeyDays.get(keyId) ?? 0, dirty: false };
      this.keys.set(keyId, state);
    }
    return state;
  }

  /** At a new UTC day or month: write what the old one counted, then start the new from storage. */
  private rollOver(now: number): void {
    const day = utcDay(now);
    const month = utcMonth(now);
    if (day === this.day && month === this.month) return;
    if (this.day) this.write(now);
    if (month !== this.month) {
      const [row] = this.ctx.storage.sql
        .exec<{ spans: number; calls: number; alarms: number; rows_written: number; day: string; key_day_spans: string }>(
          "SELECT spans, calls, alarms, rows_written, day, key_day_spans FROM month_counts WHERE month = ?",
          month,
        )
        .toArray();
      this.month = month;
      this.monthSpans = row?.spans ?? 0;
      this.stats = { requests: row?.calls ?? 0, alarms: row?.alarms ?? 0, rowsWritten: row?.rows_written ?? 0 };
      this.monthDirty = false;
      this.storedKeyDays = row && row.day === day ? keyDaysOf(row.key_day_spans) : new Map();
    } else if (day !== this.day) {
      this.storedKeyDays = new Map();
    }
    if (day !== this.day) {
      // Buckets carry over; day counts start again (read back lazily per key).
      const buckets = new Map([...this.keys].map(([id, state]) => [id, state.bucket] as const));
      this.keys.clear();
      this.day = day;
      for (const [id, bucket] of buckets) {
        if (bucket) this.keyState(id, now).bucket = bucket;
      }
    }
  }

  private reject(now: number, reason: keyof RejectedCounts, spans: number, bytes: number): void {
    const day = utcDay(now);
    const delta = this.rejectedDelta.get(day) ?? { spansInvalid: 0, spansOverLimit: 0, spansOverQuota: 0, bytesRejected: 0 };
    delta[reason] += spans;
    delta.bytesRejected += bytes;
    this.rejectedDelta.set(day, delta);
  }

  private dirty(): boolean {
    return this.monthDirty || this.rejectedDelta.size > 0 || [...this.keys.values()].some((k) => k.dirty);
  }

  /** One alarm per interval while anything is unwritten; none while nothing is. */
  private async scheduleWrite(now: number): Promise<void> {
    if (this.alarmAt !== null || !this.dirty()) return;
    this.alarmAt = now + PERSIST_INTERVAL_MS;
    await this.ctx.storage.setAlarm(this.alarmAt);
  }

  /** Writes every unwritten count in one transaction: the month's row, and a row per day refused. */
  private write(now: number): void {
    const sql = this.ctx.storage.sql;
    let rows = 0;
    this.ctx.storage.transactionSync(() => {
      // Refusals as deltas added in SQL: no need to read a day's row before counting into it.
      for (const [day, d] of this.rejectedDelta) {
        rows += sql.exec(
          `INSERT INTO rejected_days (day, spans_invalid, spans_over_limit, spans_over_quota, bytes_rejected) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (day) DO UPDATE SET spans_invalid = spans_invalid + excluded.spans_invalid,
             spans_over_limit = spans_over_limit + excluded.spans_over_limit,
             spans_over_quota = spans_over_quota + excluded.spans_over_quota,
             bytes_rejected = bytes_rejected + excluded.bytes_rejected`,
          day,
          d.spansInvalid,
          d.spansOverLimit,
          d.spansOverQuota,
          d.bytesRejected,
        ).rowsWritten;
      }
      this.rejectedDelta.clear();
      // Old rows go as they age out; each DELETE writes only when something is that old.
      rows += sql.exec("DELETE FROM rejected_days WHERE day < ?", utcDay(now - REJECTED_DAYS_KEPT * DAY_MS)).rowsWritten;
      rows += sql.exec("DELETE FROM month_counts WHERE month < ?", utcMonth(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() - MONTHS_KEPT, 1))).rowsWritten;
      const keysDirty = [...this.keys.values()].some((k) => k.dirty);
      // Last, so the month's row counts the rows this write wrote (itself as one).
      if ((this.monthDirty || keysDirty) && this.month) {
        // Every key seen today, and those written earlier today and not seen since this object started.
        const keyDays = new Map(this.storedKeyDays);
        for (const [id, state] of this.keys) keyDays.set(id, state.daySpans);
        this.stats.rowsWritten += rows + 1;
        // Should the upsert count other than one row, the difference reaches memory and the next write.
        rows = -1;
        rows += sql.exec(
          `INSERT INTO month_counts (month, spans, calls, alarms, rows_written, day, key_day_spans) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (month) DO UPDATE SET spans = excluded.spans, calls = excluded.calls, alarms = excluded.alarms,
             rows_written = excluded.rows_written, day = excluded.day, key_day_spans = excluded.key_day_spans`,
          this.month,
          this.monthSpans,
          this.stats.requests,
          this.stats.alarms,
          this.stats.rowsWritten,
          this.day,
          JSON.stringify(Object.fromEntries(keyDays)),
        ).rowsWritten;
        this.storedKeyDays = keyDays;
        for (const state of this.keys.values()) state.dirty = false;
        this.monthDirty = false;
      }
    });
    this.stats.rowsWritten += rows;
  }
}

/** The stored {keyId: spans} of a month's row; anything unreadable counts as nothing. */
function keyDaysOf(json: string): Map<string, number> {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!parsed || typeof parsed !== "object") return new Map();
    return new Map(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === "number"));
  } catch {
    return new Map();
  }
}

function refuse(limit: Refusal["limit"], status: 429 | 413, message: string, retryAfterSeconds: number): Refusal {
  return { allowed: false, limit, status, message, retryAfterSeconds };
}

function nextMonthStart(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

function secondsTo(now: number, at: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** A key's bucket holds as many seconds of its rate as the plan's bucket holds of the plan's. */
function keyBurst(key: KeyCaps, plan: { spansPerSecond: number; burstSpans: number }): number {
  const seconds = plan.burstSpans / plan.spansPerSecond;
  return Math.max(1, Math.round((key.spansPerSecond ?? 0) * seconds));
}
