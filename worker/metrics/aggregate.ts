/**
 * RED metrics and service-graph edges of one time bucket: per (service, operation, span kind) and
 * per call edge, the calls, the errors and a latency sketch; per service, its entry points. Trace
 * shards add completed traces into minute and hour buckets (durable-objects/shard/metrics-store.ts);
 * the Worker merges buckets across shards and time to answer the metrics and dependency routes.
 * Everything here merges exactly: an hour is the sum of its minutes.
 */
import { ByteReader, ByteWriter, LatencySketch } from "../model/latency-sketch";
import type { GraphCall, GraphSpan, NodeType } from "../model/service-graph";
import { samplerHashes } from "../sampling/sampler-hash";

/** Bucket sizes: minutes are kept a day, hours as long as the tenant's traces. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
/**
 * Minute buckets are kept a day and an hour, so a 24 h range read at any moment finds every minute
 * it covers (one expiring while the range is read would drop its calls); older ranges read hours.
 */
export const MINUTES_KEPT_MS = 25 * HOUR_MS;
/** The longest range answered from minute buckets; longer ones are answered by hours. */
export const MINUTE_RANGE_MAX_MS = 24 * HOUR_MS;

export interface Stat {
  calls: number;
  errors: number;
  /** Latency in µs. */
  latency: LatencySketch;
}

export interface OperationKey {
  service: string;
  operation: string;
  /** SpanKind, or -1 for the operations folded together past the cap. */
  kind: number;
}

export interface EdgeKey {
  parent: string;
  child: string;
  childType: NodeType;
  async: boolean;
}

/**
 * Keys one bucket keeps at most. Past them, a service's further operations fold into one
 * "(other operations)" entry and further edges into "(other)" callees — totals stay right, the
 * stored row stays far under the 2 MB limit whatever the span names look like.
 */
export const MAX_OPERATIONS = 600;
export const MAX_EDGES = 300;
export const OTHER_OPERATIONS = "(other operations)";
export const OTHER_CALLEES = "(other)";

const NODE_TYPES: NodeType[] = ["service", "database", "queue", "remote"];

export class Aggregate {
  readonly operations = new Map<string, Stat>();
  readonly edges = new Map<string, Stat>();
  readonly entries = new Map<string, number>();
  /**
   * Root spans (no parent, any kind) per `service\toperation`: the traces each operation starts,
   * which adaptive sampling steers (worker/sampling/adaptive.ts). Capped as operations are.
   */
  readonly roots = new Map<string, number>();
  /**
   * Per root key, the largest value each stock sampler gave those roots' trace ids: how adaptive
   * sampling measures the head-sampling probability that was in force (worker/sampling/sampler-hash.ts).
   */
  readonly rootHashes = new Map<string, number[]>();
  /** Operations and edges folded because of the caps. */
  folded = 0;

  addSpan(span: Pick<GraphSpan, "service" | "name" | "kind" | "durationUs" | "error">): void {
    let key = operationKey({ service: span.service, operation: span.name, kind: span.kind });
    if (!this.operations.has(key) && this.operations.size >= MAX_OPERATIONS) {
      key = operationKey({ service: span.service, operation: OTHER_OPERATIONS, kind: -1 });
      this.folded++;
    }
    record(this.operations, key, span.durationUs, span.error);
  }

  addCall(call: GraphCall): void {
    let key = edgeKey(call);
    if (!this.edges.has(key) && this.edges.size >= MAX_EDGES) {
      key = edgeKey({ ...call, child: OTHER_CALLEES, childType: "remote" });
      this.folded++;
    }
    record(this.edges, key, call.durationUs, call.error);
  }

  addEntry(service: string, times = 1): void {
    this.entries.set(service, (this.entries.get(service) ?? 0) + times);
  }

  addRoot(service: string, operation: string, times = 1, hashes: readonly number[] | null = null): void {
    let key = rootKey(service, operation);
    if (!this.roots.has(key) && this.roots.size >= MAX_OPERATIONS) {
      key = rootKey(service, OTHER_OPERATIONS);
      this.folded++;
    }
    this.roots.set(key, (this.roots.get(key) ?? 0) + times);
    if (hashes) {
      const known = this.rootHashes.get(key);
      this.rootHashes.set(key, known ? known.map((h, i) => Math.max(h, hashes[i] ?? 0)) : [...hashes]);
    }
  }

  /** Adds another bucket's counts (the caps hold here too: an hour of minutes stays bounded). */
  merge(other: Aggregate): this {
    this.folded += mergeStats(this.operations, other.operations, MAX_OPERATIONS, (key) => {
      const { service } = parseOperationKey(key);
      return operationKey({ service, operation: OTHER_OPERATIONS, kind: -1 });
    });
    this.folded += mergeStats(this.edges, other.edges, MAX_EDGES, (key) => edgeKey({ ...parseEdgeKey(key), child: OTHER_CALLEES, childType: "remote" }));
    for (const [service, n] of other.entries) this.addEntry(service, n);
    for (const [key, n] of other.roots) {
      const { service, operation } = parseRootKey(key);
      this.addRoot(service, operation, n, other.rootHashes.get(key) ?? null);
    }
    this.folded += other.folded;
    return this;
  }

  get empty(): boolean {
    return this.operations.size === 0 && this.edges.size === 0 && this.entries.size === 0 && this.roots.size === 0;
  }

  encode(): Uint8Array {
    const out = new ByteWriter();
    out.varint(1); // format version
    writeStats(out, this.operations);
    writeStats(out, this.edges);
    out.varint(this.entries.size);
    for (const [service, n] of this.entries) {
      out.string(service);
      out.varint(n);
    }
    out.varint(this.folded);
    // Appended after what format 1 always held: rows written before roots were counted end at
    // `folded` and still decode (with no roots).
    out.varint(this.roots.size);
    for (const [key, n] of this.roots) {
      out.string(key);
      out.varint(n);
      const hashes = this.rootHashes.get(key) ?? [];
      out.varint(hashes.length);
      for (const h of hashes) out.varint(h);
    }
    return out.finish();
  }

  static decode(bytes: Uint8Array): Aggregate {
    const input = new ByteReader(bytes);
    const aggregate = new Aggregate();
    const version = input.varint();
    if (version !== 1) throw new Error(`unknown metrics bucket format ${version}`);
    readStats(input, aggregate.operations);
    readStats(input, aggregate.edges);
    const entries = input.varint();
    for (let i = 0; i < entries; i++) aggregate.entries.set(input.string(), input.varint());
    aggregate.folded = input.varint();
    if (!input.done) {
      const roots = input.varint();
      for (let i = 0; i < roots; i++) {
        const key = input.string();
        aggregate.roots.set(key, input.varint());
        const hashes = Array.from({ length: input.varint() }, () => input.varint());
        if (hashes.length) aggregate.rootHashes.set(key, hashes);
      }
    }
    return aggregate;
  }
}

/** A completed trace's spans (and the calls among them) added to minute buckets, by span start. */
export function aggregateByBucket(spans: readonly GraphSpan[], calls: readonly GraphCall[], entries: ReadonlyArray<{ service: string; startUs: number }>, bucketMs: number): Map<number, Aggregate> {
  const buckets = new Map<number, Aggregate>();
  const bucketOf = (startUs: number) => {
    const at = Math.floor(startUs / 1000 / bucketMs) * bucketMs;
    let aggregate = buckets.get(at);
    if (!aggregate) buckets.set(at, (aggregate = new Aggregate()));
    return aggregate;
  };
  for (const span of spans) bucketOf(span.startUs).addSpan(span);
  for (const call of calls) bucketOf(call.startUs).addCall(call);
  for (const entry of entries) bucketOf(entry.startUs).addEntry(entry.service);
  for (const span of spans) if (!span.parentSpanId) bucketOf(span.startUs).addRoot(span.service, span.name, 1, samplerHashes(span.traceId));
  return buckets;
}

export function operationKey(key: OperationKey): string {
  return `${key.service}\t${key.operation}\t${key.kind}`;
}

export function parseOperationKey(key: string): OperationKey {
  const [service = "", operation = "", kind = "0"] = key.split("\t");
  return { service, operation, kind: Number(kind) };
}

export function rootKey(service: string, operation: string): string {
  return `${service}\t${operation}`;
}

export function parseRootKey(key: string): { service: string; operation: string } {
  const tab = key.indexOf("\t");
  return tab < 0 ? { service: key, operation: "" } : { service: key.slice(0, tab), operation: key.slice(tab + 1) };
}

export function edgeKey(key: EdgeKey): string {
  return `${key.parent}\t${key.child}\t${key.childType}\t${key.async ? 1 : 0}`;
}

export function parseEdgeKey(key: string): EdgeKey {
  const [parent = "", child = "", childType = "service", async = "0"] = key.split("\t");
  return { parent, child, childType: (NODE_TYPES.includes(childType as NodeType) ? childType : "remote") as NodeType, async: async === "1" };
}

function record(stats: Map<string, Stat>, key: string, durationUs: number, error: boolean): void {
  let stat = stats.get(key);
  if (!stat) stats.set(key, (stat = { calls: 0, errors: 0, latency: new LatencySketch() }));
  stat.calls++;
  if (error) stat.errors++;
  stat.latency.add(durationUs);
}

/** Merges `from` into `into`; keys new past `cap` go under `fold(key)`. Returns how many were folded. */
function mergeStats(into: Map<string, Stat>, from: Map<string, Stat>, cap: number, fold: (key: string) => string): number {
  let folded = 0;
  for (const [original, stat] of from) {
    let key = original;
    if (!into.has(key) && into.size >= cap) {
      key = fold(key);
      folded++;
    }
    const mine = into.get(key);
    if (!mine) into.set(key, { calls: stat.calls, errors: stat.errors, latency: new LatencySketch().merge(stat.latency) });
    else {
      mine.calls += stat.calls;
      mine.errors += stat.errors;
      mine.latency.merge(stat.latency);
    }
  }
  return folded;
}

function writeStats(out: ByteWriter, stats: Map<string, Stat>): void {
  out.varint(stats.size);
  for (const [key, stat] of stats) {
    out.string(key);
    out.varint(stat.calls);
    out.varint(stat.errors);
    stat.latency.encode(out);
  }
}

function readStats(input: ByteReader, into: Map<string, Stat>): void {
  const count = input.varint();
  for (let i = 0; i < count; i++) {
    const key = input.string();
    const calls = input.varint();
    const errors = input.varint();
    into.set(key, { calls, errors, latency: LatencySketch.decode(input) });
  }
}
