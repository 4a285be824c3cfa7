/**
 * TraceShard: assembles one tenant's traces (those whose id hashes to this shard) from spans that
 * arrive in many requests, keeps them durable until they are complete, then writes them to R2 and
 * the D1 index.
 *
 * Storage is SQLite, one `pending` row per ingest request — never a row per span (rows written
 * are billed). The trace ids in each row are kept beside its spans so the in-memory map of open
 * traces can be rebuilt after a restart without parsing spans.
 *
 * Completion: a trace is complete once quiet for TRACE_QUIET_SECONDS (or open too long); the
 * alarm gathers complete traces, merges any copy already in R2 (late spans), writes one block to
 * R2, upserts their summaries in D1, and only then deletes their pending rows. A crash anywhere in
 * between leaves the pending rows, so the next alarm redoes the work; merging by span id makes
 * the redo harmless.
 */
import { DurableObject } from "cloudflare:workers";
import { BatchBuilder, mergeTrace } from "../worker/model/batch";
import type { SpanBatch, Trace } from "../worker/model/span";
import { summarizeTrace } from "../worker/model/summary";
import { blockKey, readBlockTrace, writeBlock } from "../worker/storage/blocks";
import { findTraceLocations, saveSummaries } from "../worker/storage/summaries";
import { emptyUsage, type StorageUsage } from "../worker/storage/usage";

interface OpenTrace {
  /** When a span of this trace last arrived (ms). */
  lastSeen: number;
  /** When its first pending span arrived (ms): bounds how long a busy trace stays open. */
  firstSeen: number;
  /** `pending` rows holding its spans. */
  rows: Set<number>;
}

/** A trace still receiving spans after this long is written anyway; later spans merge into it. */
const MAX_OPEN_MS = 5 * 60_000;
/** Traces per alarm: keeps one flush's memory, D1 statements (≤ 1,000) and block size bounded. */
const MAX_TRACES_PER_FLUSH = 500;
/** Wait before retrying a flush that failed. */
const FLUSH_RETRY_MS = 10_000;
/** DO SQLite binds at most 100 parameters a statement. */
const ROWS_PER_QUERY = 90;

export class TraceShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private tenantId: string | undefined;
  private readonly open = new Map<string, OpenTrace>();
  private alarmAt: number | null = null;
  /** Counted in memory since this object started: cost accounting must not itself write rows. */
  private readonly usage: StorageUsage = emptyUsage();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      // WITHOUT ROWID: the key is the table, so a write is one row, not a row plus an index row.
      this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
      // `seq` aliases the rowid: ordered, unique, and no separate index to write.
      this.sql.exec("CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, traces TEXT NOT NULL, spans TEXT NOT NULL)");
      this.tenantId = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'tenant'").toArray()[0]?.value;
      for (const row of this.sql.exec<{ seq: number; traces: string }>("SELECT seq, traces FROM pending")) {
        this.track(row.seq, JSON.parse(row.traces) as Record<string, number>);
      }
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * Stores spans of one ingest request durably. When this returns, the write has committed: the
   * runtime holds the reply until storage confirms it.
   */
  async append(tenantId: string, spansJson: string, traceIds: string[], spanCount: number): Promise<void> {
    this.claim(tenantId);
    const now = Date.now();
    const traces: Record<string, number> = {};
    for (const id of traceIds) traces[id] = now;
    const seq = this.insertPending(traces, spansJson);
    this.track(seq, traces);
    this.usage.appends++;
    this.usage.spansAppended += spanCount;
    await this.scheduleFlush(now + this.quietMs());
  }

  /** The spans of `traceId` not yet written to R2 (null if none): reads see a trace from its ack. */
  readPending(traceId: string): Trace | null {
    const open = this.open.get(traceId);
    if (!open) return null;
    return mergeTrace(traceId, this.loadRows([...open.rows]).map((row) => row.batch));
  }

  /** What this object has cost since it started, and what it holds now. */
  usageReport(): { usage: StorageUsage; openTraces: number } {
    return { usage: { ...this.usage }, openTraces: this.open.size };
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    const quiet = this.quietMs();
    const due: string[] = [];
    for (const [traceId, trace] of this.open) {
      if (trace.lastSeen + quiet <= now || trace.firstSeen + MAX_OPEN_MS <= now) due.push(traceId);
      if (due.length === MAX_TRACES_PER_FLUSH) break;
    }
    let next = Infinity;
    try {
      if (due.length > 0) await this.flush(due);
      // Next alarm: when the next open trace can go quiet; right away if this flush was capped.
      for (const trace of this.open.values()) next = Math.min(next, trace.lastSeen + quiet, trace.firstSeen + MAX_OPEN_MS);
      if (due.length === MAX_TRACES_PER_FLUSH) next = Date.now();
    } catch (error) {
      // R2 or D1 failed: the spans are still pending (and readable); retry on our own schedule
      // rather than let the runtime's alarm retries run out and strand them.
      console.error("trace shard: flush failed, retrying", error);
      next = Date.now() + FLUSH_RETRY_MS;
    }
    if (Number.isFinite(next)) await this.scheduleFlush(Math.max(next, Date.now()));
  }

  private async flush(due: string[]): Promise<void> {
    const tenantId = this.tenantId;
    if (!tenantId) return;
    const dueSet = new Set(due);
    const seqs = new Set<number>();
    for (const traceId of due) for (const seq of this.open.get(traceId)?.rows ?? []) seqs.add(seq);
    const rows = this.loadRows([...seqs]);

    // Split each row into spans of due traces and spans that stay open (carried into a new row).
    const parts = new Map<string, SpanBatch[]>();
    const carry = new BatchBuilder();
    const carried: Record<string, number> = {};
    for (const { batch } of rows) {
      const byTrace = new Map<string, SpanBatch>();
      for (const span of batch.spans) {
        if (!dueSet.has(span.traceId)) {
          carry.addFrom(batch, span);
          carried[span.traceId] = this.open.get(span.traceId)?.lastSeen ?? Date.now();
          continue;
        }
        let part = byTrace.get(span.traceId);
        if (!part) byTrace.set(span.traceId, (part = { resources: batch.resources, scopes: batch.scopes, spans: [] }));
        part.spans.push(span);
      }
      for (const [traceId, part] of byTrace) {
        let list = parts.get(traceId);
        if (!list) parts.set(traceId, (list = []));
        list.push(part);
      }
    }

    // Late spans: a trace already in R2 is merged with its stored copy and written again whole.
    const traceIds = [...parts.keys()];
    const stored = await findTraceLocations(this.env.DB, tenantId, traceIds);
    const traces = await Promise.all(
      traceIds.map(async (traceId) => {
        const list = parts.get(traceId) as SpanBatch[];
        const location = stored.get(traceId);
        if (!location) return mergeTrace(traceId, list);
        this.usage.r2Gets++;
        const previous = await readBlockTrace(this.env.TRACES, location.blockKey, location.offset, location.length);
        return mergeTrace(traceId, previous ? [previous, ...list] : list);
      }),
    );

    const key = blockKey(tenantId, this.shardName());
    const places = await writeBlock(this.env.TRACES, key, traces);
    this.usage.r2Puts++;
    this.usage.r2BytesWritten += places.reduce((sum, p) => sum + p.length, 0);
    this.usage.d1RowsWritten += await saveSummaries(
      this.env.DB,
      tenantId,
      key,
      traces.map((trace, i) => ({ summary: summarizeTrace(trace), place: places[i] as (typeof places)[number] })),
    );

    // Only now, with the traces in R2 and indexed, may their pending rows go.
    this.ctx.storage.transactionSync(() => {
      for (let i = 0; i < rows.length; i += ROWS_PER_QUERY) {
        const chunk = rows.slice(i, i + ROWS_PER_QUERY).map((r) => r.seq);
        const cursor = this.sql.exec(`DELETE FROM pending WHERE seq IN (${chunk.map(() => "?").join(",")})`, ...chunk);
        cursor.toArray();
        this.usage.objectRowsWritten += cursor.rowsWritten;
      }
      if (carry.batch.spans.length > 0) {
        const seq = this.insertPending(carried, JSON.stringify(carry.batch));
        for (const traceId of Object.keys(carried)) this.open.get(traceId)?.rows.add(seq);
      }
    });
    this.usage.flushes++;
    this.usage.tracesCompleted += traces.length;
    for (const traceId of [...due, ...Object.keys(carried)]) {
      const trace = this.open.get(traceId);
      if (!trace) continue;
      for (const { seq } of rows) trace.rows.delete(seq);
      // A due trace that got new spans while we flushed stays open; they merge on its next flush.
      if (trace.rows.size === 0) this.open.delete(traceId);
    }
  }

  private insertPending(traces: Record<string, number>, spansJson: string): number {
    const cursor = this.sql.exec<{ seq: number }>(
      "INSERT INTO pending (traces, spans) VALUES (?, ?) RETURNING seq",
      JSON.stringify(traces),
      spansJson,
    );
    const { seq } = cursor.one();
    this.usage.objectRowsWritten += cursor.rowsWritten;
    return seq;
  }

  private loadRows(seqs: number[]): Array<{ seq: number; batch: SpanBatch }> {
    const rows: Array<{ seq: number; batch: SpanBatch }> = [];
    for (let i = 0; i < seqs.length; i += ROWS_PER_QUERY) {
      const chunk = seqs.slice(i, i + ROWS_PER_QUERY);
      const cursor = this.sql.exec<{ seq: number; spans: string }>(
        `SELECT seq, spans FROM pending WHERE seq IN (${chunk.map(() => "?").join(",")}) ORDER BY seq`,
        ...chunk,
      );
      for (const row of cursor) rows.push({ seq: row.seq, batch: JSON.parse(row.spans) as SpanBatch });
    }
    return rows;
  }

  private track(seq: number, traces: Record<string, number>): void {
    for (const [traceId, seen] of Object.entries(traces)) {
      const open = this.open.get(traceId);
      if (open) {
        open.lastSeen = Math.max(open.lastSeen, seen);
        open.firstSeen = Math.min(open.firstSeen, seen);
        open.rows.add(seq);
      } else {
        this.open.set(traceId, { lastSeen: seen, firstSeen: seen, rows: new Set([seq]) });
      }
    }
  }

  /** An object serves exactly one tenant (its name starts with the tenant id); refuse anything else. */
  private claim(tenantId: string): void {
    if (this.tenantId === tenantId) return;
    if (this.tenantId !== undefined) throw new Error("trace shard belongs to another tenant");
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('tenant', ?)", tenantId);
    this.tenantId = tenantId;
  }

  private shardName(): string {
    return this.ctx.id.name?.split("/").pop() ?? this.ctx.id.toString().slice(0, 12);
  }

  private quietMs(): number {
    const seconds = Number(this.env.TRACE_QUIET_SECONDS);
    return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 10) * 1000;
  }

  private async scheduleFlush(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}
