/**
 * Everything a trace shard keeps, as one object the shard's parts (flush, compaction, retention,
 * archive) work through: its guarded SQLite, the tables' modules and its R2 bucket.
 */
import type { DayCounts } from "../../worker/storage/usage";
import { utcDay } from "../../worker/storage/usage";
import type { GuardedSql } from "../../worker/storage/sql-guard";
import { Catalog } from "./catalog";
import { Garbage } from "./garbage";
import { HeldSpans } from "./held-spans";
import { IdIndex } from "./id-index";
import { Manifest } from "./manifest";
import { MetricsStore } from "./metrics-store";
import { PendingStore } from "./pending-store";
import { PropagationStore } from "./propagation-store";
import { DayTally, UsageDays } from "./usage-days";

export class ShardStore {
  readonly pending: PendingStore;
  readonly manifest: Manifest;
  readonly ids: IdIndex;
  readonly catalog: Catalog;
  readonly usageDays: UsageDays;
  readonly garbage: Garbage;
  readonly metrics: MetricsStore;
  readonly held: HeldSpans;
  readonly propagation: PropagationStore;
  /** Counts of work done outside any transaction (alarms set), written with the next one. */
  private unrecorded = new DayTally();

  constructor(
    readonly sql: GuardedSql,
    /** Where blocks go (tests wrap it to inject failures). */
    public bucket: R2Bucket,
    private readonly storage: DurableObjectStorage,
    /** R2 key prefix of everything this shard writes: "<tenant>/<shard>/". */
    readonly prefix: string,
  ) {
    this.pending = new PendingStore(sql);
    this.manifest = new Manifest(sql);
    this.ids = new IdIndex(sql);
    this.catalog = new Catalog(sql);
    this.usageDays = new UsageDays(sql);
    this.garbage = new Garbage(sql);
    this.metrics = new MetricsStore(sql);
    this.held = new HeldSpans(sql);
    this.propagation = new PropagationStore(sql);
  }

  /** Runs `fn` as one SQLite transaction: all of its writes, or none. */
  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  blockKey(level: number, created: number): string {
    const unique = crypto.randomUUID().slice(0, 8);
    return `${this.prefix}b/${utcDay(created)}/${created}-${level}-${unique}`;
  }

  archiveKey(traceId: string): string {
    return `${this.prefix}archive/${traceId}`;
  }

  /**
   * A block whose write failed: its row goes, and its object — which may exist, if the PUT landed
   * before failing — is deleted now, or by the garbage collector if R2 refuses that too.
   */
  async abandonBlock(id: number, now: number): Promise<void> {
    const key = this.manifest.abandon(id);
    if (!key) return;
    this.garbage.add([key], now);
    try {
      await this.bucket.delete(key);
      this.sql.run("DELETE FROM garbage WHERE key = ?", key);
    } catch {
      // Left to the garbage collector, which retries with every alarm.
    }
  }

  /** Adds counts to `now`'s day, with anything unrecorded. Call inside a transaction. */
  recordUsage(now: number, counts: Partial<DayCounts>, tally = new DayTally()): void {
    tally.add(utcDay(now), counts);
    for (const [day, part] of this.unrecorded.byDay) tally.add(day, part);
    this.usageDays.add(tally.byDay);
    this.unrecorded = new DayTally();
  }

  /** Counts for work that wrote rows outside a transaction (e.g. an alarm set). */
  noteUnrecorded(now: number, counts: Partial<DayCounts>): void {
    this.unrecorded.add(utcDay(now), counts);
  }

  /** What is recorded nowhere yet: for usage reports between flushes. */
  unrecordedDays(): Map<string, Partial<DayCounts>> {
    return this.unrecorded.byDay;
  }
}
