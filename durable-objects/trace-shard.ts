/**
 * TraceShard: assembles one tenant's traces (those whose id hashes to this shard) from spans that
 * arrive in many requests, keeps them durable until they are complete, then writes them to R2 and
 * the D1 index.
 *
 * Storage is SQLite, one `pending` row per ingest request — never a row per span (rows written are
 * billed). A row holds OTLP protobuf slices, one per trace, and the list of where each trace's
 * slice is, so the in-memory map of open traces can be rebuilt after a restart without reading
 * any spans.
 *
 * Completion: a trace is complete once quiet for TRACE_QUIET_SECONDS (or open too long). The alarm
 * concatenates each complete trace's slices (concatenated OTLP requests are one request), merges
 * the copy it completed before if late spans reopened it, writes all of them as one block to R2,
 * indexes the block in D1, and only then deletes rows none of whose traces are still open. A crash
 * anywhere in between leaves the rows, so the next alarm redoes the work; readers merge copies by
 * span id, so a redo is harmless.
 */
import { DurableObject } from "cloudflare:workers";
import type { ShardPart } from "../worker/ingest/dispatch";
import { summarize, type SpanDigest } from "../worker/model/summary";
import { nanosToMicros } from "../worker/model/time";
import { StatusCode } from "../worker/model/span";
import { indexBlock, type TraceLocation } from "../worker/storage/block-index";
import { blockKey, readBlockMember, writeBlock } from "../worker/storage/blocks";
import { emptyUsage, type StorageUsage } from "../worker/storage/usage";
import { scanExportRequest } from "../worker/otlp/protobuf-scan";
import { sliceRequest, spanRefs, type SpanRef } from "../worker/otlp/protobuf-slice";
import { indexOpenTraces, type PendingIndex } from "../worker/query/pending";
import { spanCopyKey } from "../worker/query/span-identity";

interface OpenTrace {
  /** When a span of this trace last arrived (ms). */
  lastSeen: number;
  /** When its first pending span arrived (ms): bounds how long a busy trace stays open. */
  firstSeen: number;
  /** Its slices: [pending row, byte offset, byte length]. */
  parts: Array<[number, number, number]>;
}

/** A trace still receiving spans after this long is written anyway; later spans merge into it. */
const MAX_OPEN_MS = 5 * 60_000;
/** Traces per alarm: keeps one flush's memory and block size bounded. */
const MAX_TRACES_PER_FLUSH = 2_000;
/** Wait before retrying a flush that failed. */
const FLUSH_RETRY_MS = 10_000;
/** Completed traces remembered, so late spans merge into one copy instead of adding another. */
const RECENT_TRACES = 20_000;

export class TraceShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private tenantId: string | undefined;
  private readonly open = new Map<string, OpenTrace>();
  /** Pending row → how many open traces still have a slice in it; at zero the row can go. */
  private readonly rowUsers = new Map<number, number>();
  private readonly recent = new Map<string, TraceLocation>();
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
      this.sql.exec(
        "CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, received INTEGER NOT NULL, traces TEXT NOT NULL, body BLOB NOT NULL)",
      );
      this.tenantId = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'tenant'").toArray()[0]?.value;
      for (const row of this.sql.exec<{ seq: number; received: number; traces: string }>("SELECT seq, received, traces FROM pending")) {
        this.track(row.seq, row.received, JSON.parse(row.traces) as ShardPart["traces"]);
      }
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * Stores one request's spans for this shard durably. When this returns, the write has committed:
   * the runtime holds the reply until storage confirms it.
   */
  async append(tenantId: string, part: ShardPart): Promise<void> {
    this.claim(tenantId);
    const now = Date.now();
    const cursor = this.sql.exec<{ seq: number }>(
      "INSERT INTO pending (received, traces, body) VALUES (?, ?, ?) RETURNING seq",
      now,
      JSON.stringify(part.traces),
      part.body,
    );
    const { seq } = cursor.one();
    this.usage.objectRowsWritten += cursor.rowsWritten;
    this.usage.appends++;
    this.usage.spansAppended += part.spanCount;
    this.track(seq, now, part.traces);
    await this.scheduleFlush(now + this.quietMs());
  }

  /** The OTLP protobuf of `traceId`'s spans not yet in R2, or null: reads see a trace from its ack. */
  readPending(traceId: string): Uint8Array | null {
    const open = this.open.get(traceId);
    return open ? this.slices(open.parts) : null;
  }

  /** The search index of the traces still open here, so search finds them before they reach R2. */
  pendingIndex(): PendingIndex {
    return indexOpenTraces(this.open, (parts) => this.slices(parts));
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
    const shard = this.shardNumber();
    // The slices flushed now; spans arriving during the flush add parts that stay pending.
    const flushed = new Map(due.map((traceId) => [traceId, [...(this.open.get(traceId)?.parts ?? [])]]));

    const bodies = this.loadBodies([...flushed.values()].flat().map(([seq]) => seq));
    const traces = [];
    for (const [traceId, parts] of flushed) {
      const previous = this.recent.get(traceId);
      let older: Uint8Array | null = null;
      if (previous) {
        this.usage.r2Gets++;
        older = await readBlockMember(this.env.TRACES, previous.blockKey, previous.offset, previous.length);
      }
      const pending = concat(parts.map(([seq, offset, length]) => (bodies.get(seq) as Uint8Array).subarray(offset, offset + length)));
      const completed = completeTrace(traceId, older ? concat([older, pending]) : pending);
      if (completed) traces.push(completed);
    }

    if (traces.length > 0) {
      const key = blockKey(tenantId, shard);
      const { placed, size } = await writeBlock(this.env.TRACES, key, traces);
      this.usage.r2Puts++;
      this.usage.r2BytesWritten += size;
      this.usage.d1RowsWritten += await indexBlock(this.env.DB, { tenantId, blockKey: key, shard, createdAt: Date.now(), traces: placed, bodies: traces.map((t) => t.bytes) });
      for (const trace of placed) this.remember(trace.traceId, { blockKey: key, offset: trace.offset, length: trace.length });
    }

    // Only now, with the traces in R2 and indexed, may their pending rows go.
    const emptied: number[] = [];
    for (const [traceId, parts] of flushed) {
      const open = this.open.get(traceId);
      if (open) {
        open.parts = open.parts.filter((part) => !parts.includes(part));
        if (open.parts.length === 0) this.open.delete(traceId);
      }
      for (const [seq] of parts) {
        const users = (this.rowUsers.get(seq) ?? 1) - 1;
        if (users > 0) this.rowUsers.set(seq, users);
        else {
          this.rowUsers.delete(seq);
          emptied.push(seq);
        }
      }
    }
    for (let i = 0; i < emptied.length; i += 90) {
      const chunk = emptied.slice(i, i + 90);
      const cursor = this.sql.exec(`DELETE FROM pending WHERE seq IN (${chunk.map(() => "?").join(",")})`, ...chunk);
      this.usage.objectRowsWritten += cursor.rowsWritten;
    }
    this.usage.flushes++;
    this.usage.tracesCompleted += traces.length;
  }

  /** The bytes of `parts`, back to back: concatenated OTLP requests form one request. */
  private slices(parts: OpenTrace["parts"]): Uint8Array {
    const bodies = this.loadBodies(parts.map(([seq]) => seq));
    return concat(parts.map(([seq, offset, length]) => (bodies.get(seq) as Uint8Array).subarray(offset, offset + length)));
  }

  /** Pending row bodies by seq, each read once however many traces it holds. */
  private loadBodies(seqs: number[]): Map<number, Uint8Array> {
    const unique = [...new Set(seqs)];
    const bodies = new Map<number, Uint8Array>();
    for (let i = 0; i < unique.length; i += 90) {
      const chunk = unique.slice(i, i + 90);
      const rows = this.sql.exec<{ seq: number; body: ArrayBuffer }>(
        `SELECT seq, body FROM pending WHERE seq IN (${chunk.map(() => "?").join(",")})`,
        ...chunk,
      );
      for (const row of rows) bodies.set(row.seq, new Uint8Array(row.body));
    }
    return bodies;
  }

  private track(seq: number, received: number, traces: ShardPart["traces"]): void {
    for (const [traceId, offset, length] of traces) {
      const open = this.open.get(traceId);
      if (open) {
        open.lastSeen = Math.max(open.lastSeen, received);
        open.firstSeen = Math.min(open.firstSeen, received);
        open.parts.push([seq, offset, length]);
      } else {
        this.open.set(traceId, { lastSeen: received, firstSeen: received, parts: [[seq, offset, length]] });
      }
    }
    this.rowUsers.set(seq, (this.rowUsers.get(seq) ?? 0) + traces.length);
  }

  private remember(traceId: string, location: TraceLocation): void {
    this.recent.delete(traceId);
    this.recent.set(traceId, location);
    if (this.recent.size > RECENT_TRACES) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** An object serves exactly one tenant (its name starts with the tenant id); refuse anything else. */
  private claim(tenantId: string): void {
    if (this.tenantId === tenantId) return;
    if (this.tenantId !== undefined) throw new Error("trace shard belongs to another tenant");
    const cursor = this.sql.exec("INSERT INTO meta (key, value) VALUES ('tenant', ?)", tenantId);
    this.usage.objectRowsWritten += cursor.rowsWritten;
    this.tenantId = tenantId;
  }

  /** Objects are named "<tenant>/<shard>" (see worker/ingest/shards.ts). */
  private shardNumber(): number {
    return Number(this.ctx.id.name?.split("/").pop() ?? 0);
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

/**
 * One trace's bytes, deduplicated by span id (exporters resend whole batches on retry), with its
 * summary. Null for bytes that no longer scan — they were checked at ingest, so that would be
 * storage corruption: logged loudly and dropped rather than retried forever.
 */
function completeTrace(traceId: string, bytes: Uint8Array) {
  let scan;
  try {
    scan = scanExportRequest(bytes);
  } catch (error) {
    console.error(`trace shard: stored spans of trace ${traceId} no longer decode; dropping them`, error);
    return null;
  }
  const unique = new Map<string, SpanRef>();
  for (const ref of spanRefs(scan)) unique.set(spanCopyKey(bytes, ref), ref);
  const digests: SpanDigest[] = [...unique.values()].map(({ resource, span }) => ({
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    service: resource.serviceName,
    startUs: nanosToMicros(span.startTimeUnixNano),
    endUs: nanosToMicros(span.endTimeUnixNano),
    error: span.statusCode === StatusCode.ERROR,
  }));
  return {
    bytes: unique.size < scan.spanCount ? sliceRequest(bytes, [...unique.values()]) : bytes,
    summary: summarize(traceId, digests),
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
