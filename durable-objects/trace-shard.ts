/**
 * TraceShard: one of a tenant's trace shards (named "<tenant>/<n>"; a trace's shard is
 * hash(tenant, traceId) mod the tenant's shard count). It holds everything of the traces routed
 * to it, so each tenant's storage grows with its own objects and nothing is shared by tenants:
 *
 * - pending rows: acknowledged spans not yet in R2 (shard/pending-store.ts) — the ack to ingest
 *   waits for their commit, so a 200 means durable;
 * - blocks in R2 and their manifest (shard/manifest.ts), written once traces go quiet and enough
 *   of them are due (the flush floor), merged per hour by compaction (shard/compaction.ts);
 * - a trace id index (shard/id-index.ts): lookups by id at a cost independent of history;
 * - the operations catalogue, per-day usage, archived traces, and R2 objects awaiting deletion.
 *
 * Work happens in the alarm: flush, garbage collection, id index merges, compaction, retention.
 * Each step is guarded alone — one failing backs off without stopping the others — and the alarm
 * is always set again while anything remains to do, so no object is ever left with pending rows
 * and no alarm.
 */
import { DurableObject } from "cloudflare:workers";
import { ARCHIVE_FRAME, BlockBuilder, FLUSH_FRAMES, readMember } from "../worker/trace-index/block-format";
import { indexOpenTraces } from "../worker/trace-index/pending-index";
import { emptyUsage, type DayCounts, type StorageUsage, type UsageDay, emptyDay, addDay, utcDay } from "../worker/storage/usage";
import { GuardedSql } from "../worker/storage/sql-guard";
import {
  MAX_TRACE_BYTES,
  TENANT_GONE,
  type AppendResult,
  type BlockFilter,
  type SegmentLocation,
  type ShardCatalog,
  type ShardConfig,
  type ShardPart,
  type ShardSearchPlan,
  type ShardUsageReport,
  type TimeHints,
  type TraceCopies,
} from "../worker/storage/shard-protocol";
import { compact, planCompaction } from "./shard/compaction";
import type { PendingPart } from "./shard/pending-store";
import { concat } from "./shard/pending-store";
import { createSchema } from "./shard/schema";
import { digestOnly, prepareTrace, yieldToEventLoop } from "./shard/segment";
import { aggregateByBucket, HOUR_MS, MINUTE_MS } from "../worker/metrics/aggregate";
import { linkedTraceOf, pairWithHeld, PAIRING_WINDOW_MS, type HeldSpan } from "../worker/metrics/pairing";
import type { GraphSpan } from "../worker/model/service-graph";
import { shardOf } from "../worker/storage/shard-routing";
import { ShardStore } from "./shard/store";
import { DayTally, USAGE_DAYS_KEPT } from "./shard/usage-days";
import { TailSampling } from "./shard/tail-sampling";
import { RecentCalls } from "./shard/recent-calls";
import { byTrace, traceSigns, type TraceSigns } from "../worker/propagation/signs";

const DAY_MS = 86_400_000;
/** A trace still receiving spans after this long is written anyway; later spans add a segment. */
export const MAX_OPEN_MS = 5 * 60_000;
/**
 * The flush floor: complete traces are written once the oldest has waited TRACE_BLOCK_WAIT_SECONDS,
 * or — whenever the alarm runs — once this many bytes or traces are due…
 */
export const FLUSH_MIN_BYTES = 8 * 1024 * 1024;
export const FLUSH_MIN_TRACES = 2_000;
/** …and at most this much goes into one block (bounds a flush's memory). */
export const FLUSH_MAX_BYTES = 24 * 1024 * 1024;
export const FLUSH_MAX_TRACES = 5_000;
/** Pending bytes beyond which due traces are flushed without waiting for the floor. */
const PENDING_HIGH_WATER = 64 * 1024 * 1024;
/** Retry delays after a failed flush or compaction: doubling from the first, up to the last. */
const BACKOFF_FIRST_MS = 5_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** Completed traces whose size is remembered, for the per-trace size cap. */
const RECENT_TRACES = 20_000;
/** A free pending row unused this long is deleted (see PendingStore.purgeFree). */
const FREE_ROWS_KEPT_MS = 60 * 60_000;
/** Objects listed and deleted per alarm while an account is being deleted. */
const DESTROY_BATCH = 1_000;

interface QueuedAppend {
  part: ShardPart;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class TraceShard extends DurableObject<Env> {
  /** Milliseconds now. Tests replace it to drive time (quiet periods, compaction, retention). */
  clock: () => number = () => Date.now();

  private readonly sql: GuardedSql;
  readonly store: ShardStore;
  private tenantId: string | undefined;
  private retentionDays = 30;
  /** The tenant's tail policy, as last told, and the memory of rule-kept traces (shard/tail-sampling.ts). */
  private readonly tail: TailSampling;
  /** The call graph as this shard knows it, for the broken-propagation signs (shard/recent-calls.ts). */
  private readonly recentCalls = new RecentCalls();
  /** The tenant's shard count as last told: where a linked consumer's producer lives. */
  private shardCount: number | null = null;
  private destroying = false;
  private readonly shard: number;

  private queue: QueuedAppend[] = [];
  private commitScheduled = false;
  /** Bytes accepted for a trace but not yet committed (the size cap counts them). */
  private readonly reserved = new Map<string, number>();
  /** Bytes already written to blocks for recently completed traces (the size cap counts them). */
  private readonly recent = new Map<string, number>();

  private alarmAt: number | null = null;
  /** Alarms set since start: each is a row written. */
  private alarmsSet = 0;
  private flushFailures = 0;
  private flushRetryAt = 0;
  private compactionFailures = 0;
  private compactionRetryAt = 0;
  /** Counted in memory since this object started. */
  private readonly usage: StorageUsage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new GuardedSql(ctx.storage.sql);
    const name = ctx.id.name ?? "";
    const slash = name.lastIndexOf("/");
    this.shard = Number(name.slice(slash + 1)) || 0;
    this.store = new ShardStore(this.sql, env.TRACES, ctx.storage, `${name.slice(0, slash)}/${this.shard}/`);
    this.usage = emptyUsage(this.clock());
    this.tail = new TailSampling(this.sql);
    void ctx.blockConcurrencyWhile(async () => {
      createSchema(this.sql);
      const meta = new Map(this.sql.all<{ key: string; value: string }>("SELECT key, value FROM meta").map((row) => [row.key, row.value]));
      for (const [key, value] of meta) {
        if (key === "tenant") this.tenantId = value;
        if (key === "retention") this.retentionDays = Number(value) || this.retentionDays;
        if (key === "shards") this.shardCount = Number(value) || null;
        if (key === "destroying") this.destroying = true;
      }
      this.tail.load(meta.get("tail"), meta.get("tail_kept"));
      const now = this.clock();
      this.store.pending.load(now);
      // Blocks whose write a crash interrupted: their objects (if any) are deleted, never leaked.
      const abandoned = this.store.manifest.abandonWriting();
      if (abandoned.length) this.store.garbage.add(abandoned, now);
      this.alarmAt = await ctx.storage.getAlarm();
      if (this.alarmAt === null && this.hasWork()) await this.setAlarm(now);
    });
  }

  // ── RPC: ingest ──────────────────────────────────────────────────────────────────────────────

  /**
   * Stores one request's spans for this shard durably: when this resolves, they are committed
   * (the runtime holds the reply until storage confirms the write). Appends that arrive while a
   * write is being prepared share it — one row for several requests (group commit).
   */
  async append(config: ShardConfig, part: ShardPart): Promise<AppendResult> {
    await this.admit(config, true);
    const { accepted, refusedSpans } = this.capTraces(part);
    this.usage.appends++;
    this.usage.spansAppended += accepted.spanCount;
    if (accepted.chunks.some((chunk) => chunk.slices.length > 0)) {
      await new Promise<void>((resolve, reject) => {
        this.queue.push({ part: accepted, resolve, reject });
        if (!this.commitScheduled) {
          this.commitScheduled = true;
          // A macrotask, not a microtask: appends already queued for this object run first.
          setTimeout(() => this.commit(), 0);
        }
      });
    }
    // With the spans the Worker refused as too large (ShardPart.oversizedSpans), written at once:
    // a row for a request with refusals (rare), so the count survives a restart before the next flush.
    const refusedHere = refusedSpans + (part.oversizedSpans ?? 0);
    if (refusedHere > 0) {
      // (The day row counts its own write.)
      this.store.transaction(() => this.store.recordUsage(this.clock(), { spansRefused: refusedHere }));
    }
    return {
      refusedSpans,
      refusedMessage: refusedSpans ? `${refusedSpans} spans refused: their trace reached its size limit of ${MAX_TRACE_BYTES} bytes` : "",
    };
  }

  private commit(): void {
    this.commitScheduled = false;
    const batch = this.queue;
    this.queue = [];
    try {
      const now = this.clock();
      this.store.pending.write(
        batch.map((b) => b.part),
        now,
      );
      this.reserved.clear();
      for (const queued of batch) queued.resolve();
      // The earliest these spans can be written: once quiet and their block's wait is over — or
      // now, if pending spans pile up past the high-water mark.
      const at = this.store.pending.bytes >= PENDING_HIGH_WATER ? now : now + this.quietMs() + this.blockWaitMs();
      void this.setAlarm(Math.max(at, this.flushRetryAt));
    } catch (error) {
      this.reserved.clear();
      for (const queued of batch) queued.reject(error);
    }
  }

  /**
   * Slices of traces that reached MAX_TRACE_BYTES are refused; the rest go on. (A refused slice's
   * bytes stay in its compressed chunk, unreferenced: cheaper than recompressing it.)
   */
  private capTraces(part: ShardPart): { accepted: ShardPart; refusedSpans: number } {
    let refusedSpans = 0;
    const chunks = part.chunks.map((chunk) => {
      const kept = chunk.slices.filter(([traceId, , length, spans]) => {
        const held = (this.store.pending.open.get(traceId)?.bytes ?? 0) + (this.recent.get(traceId) ?? 0) + (this.reserved.get(traceId) ?? 0);
        if (held + length > MAX_TRACE_BYTES) {
          refusedSpans += spans;
          return false;
        }
        this.reserved.set(traceId, (this.reserved.get(traceId) ?? 0) + length);
        return true;
      });
      return kept.length === chunk.slices.length ? chunk : { ...chunk, slices: kept };
    });
    if (refusedSpans === 0) return { accepted: part, refusedSpans };
    return { accepted: { chunks, spanCount: part.spanCount - refusedSpans }, refusedSpans };
  }

  // ── RPC: reads ───────────────────────────────────────────────────────────────────────────────

  /**
   * Everything this shard holds of a trace, from one synchronous read of its state: pending spans
   * and the blocks they were flushed to cannot both be missed, whatever a flush is doing.
   */
  async lookup(config: ShardConfig, traceId: string, hints: TimeHints = {}): Promise<TraceCopies> {
    await this.admit(config, false);
    const open = this.store.pending.open.get(traceId);
    const pending = open ? this.store.pending.read(open.parts) : null;
    const locations = this.store.ids.lookup(traceId);
    const blocks = this.store.manifest.resolve(
      locations.map((l) => l.block),
      this.notBefore(),
    );
    const segments: SegmentLocation[] = [];
    for (const location of locations) {
      const block = blocks.get(location.block);
      if (!block) continue;
      if (hints.startUs !== undefined && block.maxEndUs < hints.startUs) continue;
      if (hints.endUs !== undefined && block.minStartUs > hints.endUs) continue;
      segments.push({ key: block.key, at: location.at, length: location.length, innerAt: location.innerAt, innerLength: location.innerLength });
    }
    const archived = this.sql.first<{ key: string; bytes: number }>("SELECT key, bytes FROM archived WHERE trace_id = ?", traceId);
    if (archived) segments.push({ key: archived.key, at: 0, length: archived.bytes, innerAt: 0, innerLength: 0 });
    return { pending, segments };
  }

  /** The blocks a search may need, and the index of the traces still open here. */
  async searchPlan(config: ShardConfig, filter: BlockFilter): Promise<ShardSearchPlan> {
    await this.admit(config, false);
    const reader = this.store.pending.reader();
    return {
      blocks: this.store.manifest.find(filter, this.notBefore(), this.shard),
      pending: indexOpenTraces(this.store.pending.open, (parts) => this.store.pending.read(parts, reader)),
    };
  }

  /** Services and operations with unexpired spans here, the open traces' included. */
  async catalog(config: ShardConfig): Promise<ShardCatalog> {
    await this.admit(config, false);
    const operations = this.store.catalog.list(this.notBefore());
    const reader = this.store.pending.reader();
    const pending = indexOpenTraces(this.store.pending.open, (parts) => this.store.pending.read(parts, reader));
    for (const [service, name, kind] of JSON.parse(pending.encoded.operations) as Array<[string, string, number]>) operations.push([service, name, kind]);
    return { operations };
  }

  /** Linked consumers another shard flushed, to pair here with their producers (worker/metrics/pairing.ts). */
  async holdForPairing(config: ShardConfig, spans: GraphSpan[]): Promise<void> {
    // A peer shard's tail policy may be older than the one the Worker last gave this shard: keep ours.
    await this.admit({ ...config, tail: this.tail.current }, true);
    const now = this.clock();
    // Paired at once with the producers held here; the rest wait with them.
    this.recordMetricsAlone(spans.map((span) => ({ span, until: now + PAIRING_WINDOW_MS })), now);
    const due = this.store.held.nextDue();
    if (due !== null) await this.setAlarm(due);
  }

  /** Metric buckets of one resolution starting in [from, to), as stored (worker/metrics/aggregate.ts). */
  async metricBuckets(config: ShardConfig, resolution: number, from: number, to: number): Promise<Array<{ bucket: number; data: Uint8Array }>> {
    await this.admit(config, false);
    return this.store.metrics.range(resolution, from, to);
  }

  /** Broken-propagation signs of the traces that started in [fromMs, toMs) (shard/propagation-store.ts). */
  async propagationSigns(config: ShardConfig, fromMs: number, toMs: number): Promise<TraceSigns[]> {
    await this.admit(config, false);
    return this.store.propagation.range(fromMs, toMs);
  }

  /** Where the archived copy of a trace is, or null. */
  async archivedCopy(config: ShardConfig, traceId: string): Promise<SegmentLocation | null> {
    await this.admit(config, false);
    const row = this.sql.first<{ key: string; bytes: number }>("SELECT key, bytes FROM archived WHERE trace_id = ?", traceId);
    return row ? { key: row.key, at: 0, length: row.bytes, innerAt: 0, innerLength: 0 } : null;
  }

  /** Work done since start, and per-day totals (those not yet written included). */
  async usageReport(config: ShardConfig, fromDay?: string, toDay?: string): Promise<ShardUsageReport> {
    await this.admit(config, false);
    const days = new Map(this.store.usageDays.list(fromDay, toDay).map((d) => [d.day, d]));
    const add = (day: string, counts: Partial<DayCounts>) => {
      if ((fromDay && day < fromDay) || (toDay && day > toDay)) return;
      days.set(day, addDay(days.get(day) ?? emptyDay(day), counts));
    };
    // Accepted spans still pending are counted on the day they arrived, before they are flushed.
    for (const row of this.store.pending.liveRows()) add(utcDay(row.received), { appends: row.appends, spansAppended: row.spans, bytesAppended: row.bytes, objectRowsWritten: 1 });
    for (const [day, counts] of this.store.unrecordedDays()) add(day, counts);
    const totals = this.store.manifest.totals();
    return {
      usage: { ...this.usage, objectRowsWritten: this.sql.rowsWritten + this.alarmsSet },
      openTraces: this.store.pending.open.size,
      stored: { blocks: totals.blocks, freshBlocks: totals.fresh, traces: totals.traces, spans: totals.spans, r2Bytes: totals.bytes, rawBytes: totals.rawBytes, objectBytes: this.ctx.storage.sql.databaseSize, indexBytes: this.store.manifest.storedBytes() + this.store.ids.storedBytes(), ...this.metricBytes() },
      days: [...days.values()].sort((a: UsageDay, b: UsageDay) => (a.day < b.day ? -1 : 1)),
    };
  }

  private metricBytes(): { metricMinuteBytes: number; metricHourBytes: number } {
    const { minute, hour } = this.store.metrics.storedBytes();
    return { metricMinuteBytes: minute, metricHourBytes: hour };
  }

  // ── RPC: archive, settings, deletion ─────────────────────────────────────────────────────────

  /**
   * Keeps a trace past retention: its spans as they are now, merged into one object of their own
   * that retention never deletes. False when this shard holds none of it.
   */
  async archive(config: ShardConfig, traceId: string): Promise<boolean> {
    const copies = await this.lookup(config, traceId);
    const parts: Uint8Array[] = [];
    for (const segment of copies.segments) {
      const bytes = await readMember(this.store.bucket, segment.key, segment);
      if (bytes) parts.push(bytes);
    }
    if (copies.pending) parts.push(copies.pending);
    if (parts.length === 0) return false;
    const trace = prepareTrace(traceId, concat(parts, parts.reduce((n, p) => n + p.byteLength, 0)));
    if (!trace) return false;
    const builder = new BlockBuilder(ARCHIVE_FRAME);
    builder.add(trace);
    const member = builder.finish();
    const first = member.members[0] as { at: number; length: number };
    const key = this.store.archiveKey(traceId);
    // The object is a block of one trace: the same format readers and compaction know.
    await this.store.bucket.put(key, member.body);
    this.sql.run(
      "INSERT INTO archived (trace_id, key, bytes, created) VALUES (?, ?, ?, ?) ON CONFLICT (trace_id) DO UPDATE SET key = excluded.key, bytes = excluded.bytes, created = excluded.created",
      traceId, key, first.length, this.clock(),
    );
    return true;
  }

  /** Releases an archived trace (it expires with its blocks, if any are left). */
  async unarchive(config: ShardConfig, traceId: string): Promise<boolean> {
    await this.admit(config, false);
    const row = this.sql.first<{ key: string }>("DELETE FROM archived WHERE trace_id = ? RETURNING key", traceId);
    if (!row) return false;
    this.store.garbage.add([row.key], this.clock());
    await this.setAlarm(this.clock());
    return true;
  }

  /** Settings changed (e.g. a shorter retention): act on them at once rather than at the next write. */
  async configure(config: ShardConfig): Promise<void> {
    await this.admit(config, false);
    await this.setAlarm(this.clock());
  }

  /**
   * Deletes everything this shard holds: refuses every call from now on, deletes its R2 objects
   * in the alarm (a batch at a time), then its whole storage.
   */
  async destroy(): Promise<void> {
    this.destroying = true;
    this.sql.run("INSERT INTO meta (key, value) VALUES ('destroying', '1') ON CONFLICT (key) DO NOTHING");
    for (const queued of this.queue) queued.reject(new Error(`${TENANT_GONE}: the account is being deleted`));
    this.queue = [];
    await this.ctx.storage.setAlarm(this.clock());
    this.alarmAt = this.clock();
  }

  // ── the alarm ────────────────────────────────────────────────────────────────────────────────

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.store.noteUnrecorded(this.clock(), { alarms: 1 });
    if (this.destroying) {
      await this.destroyStep();
      return;
    }
    let next = Infinity;
    const step = async (name: string, work: () => Promise<number | null>) => {
      try {
        const at = await work();
        if (at !== null) next = Math.min(next, at);
      } catch (error) {
        console.error(`trace shard ${this.ctx.id.name}: ${name} failed`, error);
        next = Math.min(next, this.clock() + BACKOFF_FIRST_MS);
      }
    };
    await step("garbage collection", async () => {
      await this.store.garbage.collect(this.store.bucket, this.clock());
      return this.store.garbage.nextDue();
    });
    await step("flush", () => this.flushStep());
    await step("id index merge", async () => {
      const live = this.store.manifest.liveIds();
      return this.store.ids.mergeOnce((block) => live.has(block)) ? this.clock() : null;
    });
    await step("compaction", () => this.compactionStep());
    await step("retention", () => this.retentionStep());
    await step("call pairing", async () => this.pairingStep());
    if (this.store.pending.open.size > 0) next = Math.min(next, this.clock() + BACKOFF_MAX_MS);
    if (Number.isFinite(next)) await this.setAlarm(Math.max(next, this.clock()));
  }

  /** Flushes due traces if the floor is met; returns when to look again. */
  private async flushStep(): Promise<number | null> {
    const now = this.clock();
    if (this.store.pending.open.size === 0) return null;
    if (now < this.flushRetryAt) return this.flushRetryAt;
    const quiet = this.quietMs();
    const due: Array<{ traceId: string; dueAt: number; bytes: number }> = [];
    let nextDue = Infinity;
    for (const [traceId, trace] of this.store.pending.open) {
      const dueAt = Math.min(trace.lastSeen + quiet, trace.firstSeen + MAX_OPEN_MS);
      if (dueAt <= now) due.push({ traceId, dueAt, bytes: trace.bytes });
      else nextDue = Math.min(nextDue, dueAt);
    }
    // A complete trace waits up to TRACE_BLOCK_WAIT_SECONDS for company: wake then, not each time
    // another trace goes quiet (every wake is a request and a row written).
    if (due.length === 0) return nextDue + this.blockWaitMs();
    due.sort((a, b) => a.dueAt - b.dueAt);
    const dueBytes = due.reduce((n, d) => n + d.bytes, 0);
    const oldest = (due[0] as { dueAt: number }).dueAt;
    const floorMet =
      dueBytes >= FLUSH_MIN_BYTES ||
      due.length >= FLUSH_MIN_TRACES ||
      oldest + this.blockWaitMs() <= now ||
      this.store.pending.bytes >= PENDING_HIGH_WATER;
    if (!floorMet) return oldest + this.blockWaitMs();

    const batch: string[] = [];
    let bytes = 0;
    const maxTraces = this.blockMaxTraces();
    for (const d of due) {
      if (batch.length > 0 && (bytes + d.bytes > FLUSH_MAX_BYTES || batch.length >= maxTraces)) break;
      batch.push(d.traceId);
      bytes += d.bytes;
    }
    try {
      await this.flush(batch);
      this.flushFailures = 0;
      this.flushRetryAt = 0;
    } catch (error) {
      this.flushFailures++;
      this.flushRetryAt = this.clock() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.flushFailures - 1));
      throw error;
    }
    // More due than one block holds: go on at once.
    return batch.length < due.length ? this.clock() : nextDue + this.blockWaitMs();
  }

  /**
   * Writes some complete traces as one block: R2 first (its manifest row named before), then one
   * transaction indexes it and frees their pending rows. A crash before that transaction leaves
   * the rows, so the next alarm redoes the work; readers merge copies, so a redo is harmless.
   */
  private async flush(traceIds: string[]): Promise<void> {
    const now = this.clock();
    const { pending } = this.store;
    const flushed = new Map<string, PendingPart[]>();
    // Traces not judged for broken propagation: a segment (still receiving spans, or the rest of
    // one written before) lacks spans of its trace — its orphans' parents may just be elsewhere —
    // and a trace tail sampling drops is stored nowhere to point at.
    const unjudged = new Set<string>();
    for (const traceId of traceIds) {
      const open = pending.open.get(traceId);
      if (open) flushed.set(traceId, [...open.parts]);
      if (!open || open.lastSeen + this.quietMs() > now || this.recent.has(traceId)) unjudged.add(traceId);
    }
    const reader = pending.reader();
    reader.preload([...flushed.values()].flat().map((p) => p.slot));
    const builder = new BlockBuilder(FLUSH_FRAMES);
    // Every span's service-graph facts, read in the digest's pass: the metrics come from what the
    // flush holds anyway, never from R2.
    const graph: GraphSpan[] = [];
    // Tail sampling decides on the digest, after the trace's spans joined `graph`: a dropped trace
    // still counts in the metrics. Keep-all (the default) skips deciding.
    const sampling = !this.tail.keepsAll;
    const dropped = { tracesDropped: 0, spansDropped: 0, bytesDropped: 0 };
    let i = 0;
    for (const [traceId, parts] of flushed) {
      if (++i % 100 === 0) await yieldToEventLoop();
      const bytes = pending.read(parts, reader);
      // One slice of one request holds each span once: only traces pieced together from several
      // requests (where an exporter's retry may repeat spans) need the duplicate pass.
      const trace = parts.length === 1 ? digestOnly(traceId, bytes, graph) : prepareTrace(traceId, bytes, graph);
      if (!trace) continue;
      if (sampling && !this.tail.keep(trace.digest, now)) {
        dropped.tracesDropped++;
        dropped.spansDropped += trace.digest.spanCount;
        dropped.bytesDropped += trace.bytes.byteLength;
        unjudged.add(traceId);
        continue;
      }
      builder.add(trace);
    }
    const block = builder.traceCount > 0 ? builder.finish() : null;
    let blockId: number | null = null;
    if (block) {
      const key = this.store.blockKey(0, now);
      blockId = this.store.manifest.begin(key, 0, now);
      try {
        await this.store.bucket.put(key, block.body);
      } catch (error) {
        await this.store.abandonBlock(blockId, this.clock());
        throw error;
      }
    }
    const forward = this.store.transaction(() => {
      const rowsBefore = this.sql.rowsWritten;
      const tally = new DayTally();
      const { forward, rows } = this.recordMetrics(graph, now);
      tally.add(utcDay(now), { metricRowsWritten: rows });
      this.store.propagation.put(now, this.signsOf(graph, unjudged));
      if (sampling) {
        this.tail.save(now);
        if (dropped.tracesDropped > 0) tally.add(utcDay(now), dropped);
      }
      if (block && blockId !== null) {
        this.store.manifest.commit(blockId, block);
        this.store.ids.addRun(block.members.map((m) => ({ ...m, block: blockId as number })), now);
        this.store.catalog.note(block.summary.operations, now);
      }
      for (const row of pending.release(flushed, now)) {
        // A request's counts, on the day it arrived; its row's write was one row.
        tally.add(utcDay(row.received), { appends: row.appends, spansAppended: row.spans, bytesAppended: row.bytes, objectRowsWritten: 1 });
      }
      this.store.recordUsage(
        now,
        {
          flushes: 1,
          tracesCompleted: block?.members.length ?? 0,
          r2Puts: block ? 1 : 0,
          r2BytesWritten: block?.body.byteLength ?? 0,
          objectRowsWritten: this.sql.rowsWritten - rowsBefore + (block ? 1 : 0),
        },
        tally,
      );
      return forward;
    });
    this.usage.flushes++;
    this.usage.tracesCompleted += block?.members.length ?? 0;
    if (block) {
      this.usage.r2Puts++;
      this.usage.r2BytesWritten += block.body.byteLength;
    }
    for (const [traceId, parts] of flushed) this.remember(traceId, parts.reduce((n, p) => n + p.length, 0));
    await this.forwardHeld(forward);
  }

  /**
   * Adds flushed spans to the RED metrics and the service graph, their calls paired with the
   * message spans held from before (worker/metrics/pairing.ts). Runs inside the flush's
   * transaction, so a redone flush never counts twice. Returns the linked consumers whose producer
   * lives in another shard.
   */
  private recordMetrics(fresh: GraphSpan[], now: number): { forward: Map<number, GraphSpan[]>; rows: number } {
    const rowsBefore = this.sql.rowsWritten;
    const tenantId = this.tenantId;
    const shards = this.shardCount;
    const pairing = pairWithHeld(fresh, this.store.held.take(), {
      now,
      elsewhere: (span) => {
        const linked = linkedTraceOf(span);
        if (linked === null || tenantId === undefined || shards === null) return null;
        const owner = shardOf(tenantId, linked, shards);
        return owner === this.shard ? null : owner;
      },
    });
    this.store.metrics.add(aggregateByBucket(fresh, pairing.calls, pairing.entries, MINUTE_MS));
    // Before noting this flush's calls: the hour rows just written hold them already.
    this.recentCalls.seedOnce(() => this.store.metrics.range(HOUR_MS, Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS, now), now);
    this.recentCalls.note(pairing.calls, fresh, now);
    this.store.held.put(pairing.keep);
    return { forward: pairing.forward, rows: this.sql.rowsWritten - rowsBefore };
  }

  /**
   * The signs of broken propagation among a flush's complete traces, judged against the calls
   * this shard knows (worker/propagation/signs.ts): from the span facts the flush read anyway.
   */
  private signsOf(graph: readonly GraphSpan[], unjudged: ReadonlySet<string>): TraceSigns[] {
    const known = this.recentCalls.graph();
    const found: TraceSigns[] = [];
    for (const [traceId, spans] of byTrace(graph)) {
      if (unjudged.has(traceId)) continue;
      const signs = traceSigns(spans, known);
      if (signs) found.push(signs);
    }
    return found;
  }

  /** recordMetrics outside a flush (a pass over held spans), in its own transaction with its usage. */
  private recordMetricsAlone(spans: HeldSpan[], now: number): void {
    this.store.transaction(() => {
      const before = this.sql.rowsWritten;
      if (spans.length) this.store.held.put(spans);
      this.recordMetrics([], now);
      const rows = this.sql.rowsWritten - before;
      this.store.recordUsage(now, { metricRowsWritten: rows, objectRowsWritten: rows });
    });
  }

  /** Hands linked consumers to the shards of their producers' traces, where they pair. */
  private async forwardHeld(forward: Map<number, GraphSpan[]>): Promise<void> {
    if (forward.size === 0 || this.tenantId === undefined) return;
    const config: ShardConfig = { tenantId: this.tenantId, retentionDays: this.retentionDays, shards: this.shardCount ?? 1, tail: this.tail.current };
    await Promise.all(
      [...forward].map(async ([shard, spans]) => {
        try {
          await this.env.TRACE_SHARD.getByName(`${this.tenantId}/${shard}`).holdForPairing(config, spans);
        } catch (error) {
          // Only a graph edge is at stake, never a span: counted as the consumer's entry instead.
          console.error(`trace shard ${this.ctx.id.name}: handing ${spans.length} linked consumers to shard ${shard} failed`, error);
          this.store.transaction(() => this.store.metrics.add(aggregateByBucket([], [], spans.map((s) => ({ service: s.service, startUs: s.startUs })), MINUTE_MS)));
        }
      }),
    );
  }

  /** Settles held spans whose window ended with no new spans to meet. */
  private pairingStep(): number | null {
    const due = this.store.held.nextDue();
    if (due === null || due > this.clock()) return due;
    this.recordMetricsAlone([], this.clock());
    return this.store.held.nextDue();
  }

  private async compactionStep(): Promise<number | null> {
    const now = this.clock();
    if (now < this.compactionRetryAt) return this.compactionRetryAt;
    const early = Number(this.env.TRACE_COMPACTION_EARLY_BLOCKS);
    const { plan, nextCheck } = planCompaction(this.store, now, this.compactionWindowMs(), Number.isInteger(early) && early >= 0 ? early : undefined);
    if (!plan) return nextCheck;
    try {
      const result = await compact(this.store, plan, now);
      this.usage.r2Gets += result.inputs;
      this.usage.r2Puts += result.outputs;
      this.usage.r2BytesWritten += result.bytesWritten;
      this.compactionFailures = 0;
      this.compactionRetryAt = 0;
    } catch (error) {
      this.compactionFailures++;
      this.compactionRetryAt = this.clock() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.compactionFailures - 1));
      throw error;
    }
    return this.clock();
  }

  /**
   * Deletes what expired: blocks created before the cutoff (their objects at once), id runs all
   * of whose blocks expired, operations not seen since, old usage days, and free pending rows.
   * Returns when the next block expires.
   */
  private async retentionStep(): Promise<number | null> {
    const now = this.clock();
    const cutoff = this.notBefore();
    const expired = this.store.manifest.expired(cutoff, 1_000);
    this.store.transaction(() => {
      const rowsBefore = this.sql.rowsWritten;
      if (expired.length) {
        this.store.manifest.delete(expired.map((b) => b.id));
        this.store.garbage.add(
          expired.map((b) => b.key),
          now,
        );
      }
      this.store.ids.dropExpired(cutoff);
      this.store.catalog.expire(cutoff);
      this.store.metrics.expire(now, cutoff);
      this.store.propagation.expire(now);
      this.store.usageDays.expire(utcDay(now - USAGE_DAYS_KEPT * DAY_MS));
      // Flushed spans linger in a free row at most an hour (reused long before, under steady traffic).
      this.store.pending.purgeFree(now - FREE_ROWS_KEPT_MS);
      if (expired.length || this.sql.rowsWritten > rowsBefore) {
        this.store.recordUsage(now, { blocksExpired: expired.length, objectRowsWritten: this.sql.rowsWritten - rowsBefore });
      }
    });
    if (expired.length) await this.store.garbage.collect(this.store.bucket, now);
    if (expired.length === 1_000) return now;
    const oldest = this.store.manifest.oldestCreated();
    return oldest === null ? null : oldest + this.retentionDays * DAY_MS;
  }

  private async destroyStep(): Promise<void> {
    try {
      const listed = await this.store.bucket.list({ prefix: this.store.prefix, limit: DESTROY_BATCH });
      if (listed.objects.length > 0) {
        await this.store.bucket.delete(listed.objects.map((o) => o.key));
        await this.setAlarm(this.clock());
        return;
      }
      // Nothing left in R2: drop every table and the alarm. A later call finds an empty object,
      // whose claim check (admit) finds no tenant and refuses.
      await this.ctx.storage.deleteAll();
      this.tenantId = undefined;
    } catch (error) {
      console.error(`trace shard ${this.ctx.id.name}: deletion step failed; retrying`, error);
      await this.setAlarm(this.clock() + BACKOFF_FIRST_MS);
    }
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Every call names its tenant and settings. An object serves exactly one tenant (its name
   * starts with the tenant id); the first write claims it, after checking the tenant exists —
   * so an object deleted with its account cannot be revived by a stale credential.
   */
  private async admit(config: ShardConfig, write: boolean): Promise<void> {
    if (this.destroying) throw new Error(`${TENANT_GONE}: the account is being deleted`);
    if (this.tenantId !== undefined && this.tenantId !== config.tenantId) throw new Error("trace shard belongs to another tenant");
    if (this.tenantId === undefined && write) {
      const exists = await this.env.DB.prepare("SELECT 1 AS one FROM tenants WHERE id = ?").bind(config.tenantId).first();
      if (!exists) throw new Error(`${TENANT_GONE}: no such tenant`);
      if (this.destroying) throw new Error(`${TENANT_GONE}: the account is being deleted`);
      if (this.tenantId === undefined) {
        this.sql.run("INSERT INTO meta (key, value) VALUES ('tenant', ?) ON CONFLICT (key) DO NOTHING", config.tenantId);
        this.tenantId = config.tenantId;
      }
    }
    if (config.shards !== this.shardCount && Number.isInteger(config.shards) && config.shards > 0 && this.tenantId !== undefined) {
      this.shardCount = config.shards;
      this.sql.run("INSERT INTO meta (key, value) VALUES ('shards', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(config.shards));
    }
    this.tail.set(config.tail, this.tenantId !== undefined);
    if (config.retentionDays !== this.retentionDays && Number.isInteger(config.retentionDays) && config.retentionDays > 0) {
      this.retentionDays = config.retentionDays;
      if (this.tenantId !== undefined) {
        this.sql.run("INSERT INTO meta (key, value) VALUES ('retention', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(config.retentionDays));
        // Expiry moves: let the alarm find the new first expiry.
        void this.setAlarm(this.clock());
      }
    }
  }

  /** Blocks created before this are expired: no read returns them. */
  private notBefore(): number {
    return this.clock() - this.retentionDays * DAY_MS;
  }

  private hasWork(): boolean {
    return (
      this.store.pending.rowCount > 0 ||
      this.store.manifest.oldestCreated() !== null ||
      this.store.garbage.nextDue() !== null ||
      this.store.held.nextDue() !== null ||
      this.destroying
    );
  }

  private remember(traceId: string, bytes: number): void {
    const total = (this.recent.get(traceId) ?? 0) + bytes;
    this.recent.delete(traceId);
    this.recent.set(traceId, total);
    if (this.recent.size > RECENT_TRACES) this.recent.delete(this.recent.keys().next().value as string);
  }

  private quietMs(): number {
    const seconds = Number(this.env.TRACE_QUIET_SECONDS);
    return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 10) * 1000;
  }

  /** How long a complete trace may wait for a fuller block (the flush floor's time bound). */
  private blockWaitMs(): number {
    const seconds = Number(this.env.TRACE_BLOCK_WAIT_SECONDS);
    return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 30) * 1000;
  }

  /** Traces a flushed block holds at most (TRACE_BLOCK_MAX_TRACES, default FLUSH_MAX_TRACES). */
  private blockMaxTraces(): number {
    const n = Number(this.env.TRACE_BLOCK_MAX_TRACES);
    return Number.isInteger(n) && n > 0 ? Math.min(n, FLUSH_MAX_TRACES) : FLUSH_MAX_TRACES;
  }

  /** Compaction merges the blocks of windows this long (TRACE_COMPACTION_WINDOW_SECONDS, default an hour). */
  private compactionWindowMs(): number {
    const seconds = Number(this.env.TRACE_COMPACTION_WINDOW_SECONDS);
    return (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000;
  }

  private async setAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.alarmsSet++;
    this.store.noteUnrecorded(this.clock(), { objectRowsWritten: 1 });
    await this.ctx.storage.setAlarm(at);
  }
}

