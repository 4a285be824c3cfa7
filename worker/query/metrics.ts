/**
 * The service graph and RED metrics over a time range: each of the tenant's shards hands over its
 * buckets of the range (minutes for ranges within the last day, hours beyond), the Worker merges them by bucket
 * and answers — Jaeger's dependency links and MetricFamily time series, and the richer graph and
 * per-service views our own app shows.
 */
import { Aggregate, HOUR_MS, MINUTE_MS, MINUTE_RANGE_MAX_MS, MINUTES_KEPT_MS, parseEdgeKey, parseOperationKey, type Stat } from "../metrics/aggregate";
import { LatencySketch } from "../model/latency-sketch";
import type { NodeType } from "../model/service-graph";
import { allShards, shardConfig, shardStub } from "../storage/shard-routing";
import type { TenantConfig } from "../storage/tenant-directory";

/**
 * The bucket size a range is read at: minutes for a range of at most a day whose minutes are all
 * still kept — unless the range lies on whole hours and the caller steps by whole hours, which
 * hours answer exactly with 60 times fewer rows; hours otherwise. (A range that does not start on
 * the hour must not read hours: a window from 18:20 would skip the 18:00 bucket, or count all of it.)
 */
export function resolutionFor(fromMs: number, toMs: number, now: number, stepMs?: number): number {
  const onHours = fromMs % HOUR_MS === 0 && toMs % HOUR_MS === 0;
  if (stepMs !== undefined && stepMs % HOUR_MS === 0 && onHours) return HOUR_MS;
  const minutesKept = fromMs >= now - MINUTES_KEPT_MS + MINUTE_MS;
  return toMs - fromMs <= MINUTE_RANGE_MAX_MS && minutesKept ? MINUTE_MS : HOUR_MS;
}

export interface Buckets {
  resolution: number;
  /** Bucket start (ms) → every shard's counts, merged. */
  byStart: Map<number, Aggregate>;
}

export async function loadBuckets(env: Env, config: TenantConfig, fromMs: number, toMs: number, options: { stepMs?: number; now?: number } = {}): Promise<Buckets> {
  const resolution = resolutionFor(fromMs, toMs, options.now ?? Date.now(), options.stepMs);
  const from = Math.floor(fromMs / resolution) * resolution;
  const byStart = new Map<number, Aggregate>();
  for (const { bucket, aggregate } of await readBuckets(env, config, resolution, from, toMs)) {
    const known = byStart.get(bucket);
    byStart.set(bucket, known ? known.merge(aggregate) : aggregate);
  }
  return { resolution, byStart };
}

/**
 * Everything in [fromMs, toMs) merged into one, for the routes that want totals (the graph, the
 * dependencies). Where minutes are readable, only the partial hours at either end are read as
 * minutes and the whole hours between as hours: exact to the minute, with up to 60 times fewer
 * rows to read and decode than minutes alone (a day is 24 hours and at most 118 minutes).
 */
export async function loadTotal(env: Env, config: TenantConfig, fromMs: number, toMs: number, now = Date.now()): Promise<{ resolution: number; total: Aggregate }> {
  const total = new Aggregate();
  const resolution = resolutionFor(fromMs, toMs, now);
  const firstHour = Math.ceil(fromMs / HOUR_MS) * HOUR_MS;
  const lastHour = Math.floor(toMs / HOUR_MS) * HOUR_MS;
  const minuteFrom = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  const parts =
    resolution === HOUR_MS
      ? [readBuckets(env, config, HOUR_MS, Math.floor(fromMs / HOUR_MS) * HOUR_MS, toMs)]
      : lastHour <= firstHour
        ? [readBuckets(env, config, MINUTE_MS, minuteFrom, toMs)]
        : [readBuckets(env, config, MINUTE_MS, minuteFrom, firstHour), readBuckets(env, config, HOUR_MS, firstHour, lastHour), readBuckets(env, config, MINUTE_MS, lastHour, toMs)];
  for (const rows of await Promise.all(parts)) for (const { aggregate } of rows) total.merge(aggregate);
  return { resolution, total };
}

/** Every shard's buckets of one resolution starting in [from, to), decoded. */
async function readBuckets(env: Env, config: TenantConfig, resolution: number, from: number, to: number): Promise<Array<{ bucket: number; aggregate: Aggregate }>> {
  if (from >= to) return [];
  const parts = await Promise.all(allShards(config).map((shard) => shardStub(env, config.tenantId, shard).metricBuckets(shardConfig(config), resolution, from, to)));
  return parts.flat().map(({ bucket, data }) => ({ bucket, aggregate: Aggregate.decode(data) }));
}

/** Everything of the buckets that start in [from, to), merged into one. */
export function sumRange(buckets: Buckets, from: number, to: number): Aggregate {
  const sum = new Aggregate();
  for (const [start, aggregate] of buckets.byStart) if (start >= from && start < to) sum.merge(aggregate);
  return sum;
}

/** Jaeger's `/api/dependencies`: calls between services (and to virtual nodes) over the range. */
export function dependencyLinks(total: Aggregate): Array<{ parent: string; child: string; callCount: number }> {
  const links = new Map<string, { parent: string; child: string; callCount: number }>();
  for (const [key, stat] of total.edges) {
    const { parent, child } = parseEdgeKey(key);
    const id = `${parent}\t${child}`;
    const link = links.get(id) ?? { parent, child, callCount: 0 };
    link.callCount += stat.calls;
    links.set(id, link);
  }
  return [...links.values()].sort((a, b) => (a.parent === b.parent ? (a.child < b.child ? -1 : 1) : a.parent < b.parent ? -1 : 1));
}

export interface GraphNode {
  id: string;
  type: NodeType;
  /** Calls it answered (its SERVER and CONSUMER spans; for a virtual node, the calls made to it). */
  calls: number;
  errors: number;
  /** Requests from outside (root spans). */
  entries: number;
}

export interface GraphEdge {
  parent: string;
  child: string;
  childType: NodeType;
  async: boolean;
  calls: number;
  errors: number;
  /** Latency quantiles in ms, as the caller waited. */
  p50: number;
  p95: number;
  p99: number;
}

/** The graph our app draws: nodes with their load, edges with calls, errors and latency. */
export function serviceGraph(total: Aggregate): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const node = (id: string, type: NodeType) => {
    let found = nodes.get(id);
    if (!found) nodes.set(id, (found = { id, type, calls: 0, errors: 0, entries: 0 }));
    return found;
  };
  for (const [key, stat] of total.operations) {
    const { service, kind } = parseOperationKey(key);
    const served = node(service, "service");
    if (kind === 2 || kind === 5) {
      served.calls += stat.calls;
      served.errors += stat.errors;
    }
  }
  for (const [service, n] of total.entries) node(service, "service").entries += n;
  const edges: GraphEdge[] = [];
  for (const [key, stat] of total.edges) {
    const edge = parseEdgeKey(key);
    node(edge.parent, "service");
    const callee = node(edge.child, edge.childType);
    if (edge.childType !== "service") {
      callee.calls += stat.calls;
      callee.errors += stat.errors;
    }
    edges.push({ ...edge, calls: stat.calls, errors: stat.errors, ...quantilesMs(stat.latency) });
  }
  return { nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), edges };
}

function quantilesMs(sketch: LatencySketch): { p50: number; p95: number; p99: number } {
  const ms = (q: number) => round(sketch.quantile(q) / 1000);
  return { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99) };
}

/** Six significant digits: enough for any chart, without float noise (a rate of 0.0005/s stays 0.0005). */
const round = (n: number) => (Number.isFinite(n) ? Number(n.toPrecision(6)) : 0);

/** A series' key: the service (and operation, when grouped). */
export interface SeriesKey {
  service: string;
  operation?: string;
}

export interface SeriesQuery {
  services: string[];
  groupByOperation: boolean;
  /** SpanKind values to count. */
  spanKinds: number[];
  endMs: number;
  lookbackMs: number;
  stepMs: number;
  ratePerMs: number;
}

/**
 * Per series, per step: the stats of the operations that match, over the window that ends at the
 * step ([t − ratePer, t)), as Jaeger's Prometheus queries compute `rate(…[ratePer])` at each step.
 */
export function seriesWindows(buckets: Buckets, query: SeriesQuery): Map<string, { key: SeriesKey; points: Array<{ t: number; stat: Stat }> }> {
  const services = new Set(query.services);
  const kinds = new Set(query.spanKinds);
  // Per bucket, per series: the bucket's matching operations merged.
  const perBucket = new Map<number, Map<string, { key: SeriesKey; stat: Stat }>>();
  for (const [start, aggregate] of buckets.byStart) {
    const series = new Map<string, { key: SeriesKey; stat: Stat }>();
    for (const [opKey, stat] of aggregate.operations) {
      const { service, operation, kind } = parseOperationKey(opKey);
      if (!services.has(service) || (kind !== -1 && !kinds.has(kind))) continue;
      const key: SeriesKey = query.groupByOperation ? { service, operation } : { service };
      const id = `${service}\t${key.operation ?? ""}`;
      const into = series.get(id) ?? { key, stat: { calls: 0, errors: 0, latency: new LatencySketch() } };
      into.stat.calls += stat.calls;
      into.stat.errors += stat.errors;
      into.stat.latency.merge(stat.latency);
      series.set(id, into);
    }
    perBucket.set(start, series);
  }
  const result = new Map<string, { key: SeriesKey; points: Array<{ t: number; stat: Stat }> }>();
  const starts = [...perBucket.keys()].sort((a, b) => a - b);
  const first = query.endMs - query.lookbackMs;
  for (let t = first; t <= query.endMs; t += query.stepMs) {
    const windowStart = t - Math.max(query.ratePerMs, buckets.resolution);
    const inWindow = starts.filter((s) => s >= windowStart && s < t);
    const sums = new Map<string, { key: SeriesKey; stat: Stat }>();
    for (const start of inWindow) {
      for (const [id, { key, stat }] of perBucket.get(start) as Map<string, { key: SeriesKey; stat: Stat }>) {
        const into = sums.get(id) ?? { key, stat: { calls: 0, errors: 0, latency: new LatencySketch() } };
        into.stat.calls += stat.calls;
        into.stat.errors += stat.errors;
        into.stat.latency.merge(stat.latency);
        sums.set(id, into);
      }
    }
    for (const [id, { key, stat }] of sums) {
      const series = result.get(id) ?? { key, points: [] };
      series.points.push({ t, stat });
      result.set(id, series);
    }
  }
  return result;
}

export type JaegerMetric = "latencies" | "calls" | "errors";

export interface MetricFamily {
  name: string;
  type: "GAUGE";
  help: string;
  metrics: Array<{ labels: Array<{ name: string; value: string }>; metricPoints: Array<{ gaugeValue: { doubleValue: number }; timestamp: string }> }>;
}

/** Jaeger's MetricFamily for `/api/metrics/{latencies,calls,errors}` (names and help as Jaeger's). */
export function metricFamily(metric: JaegerMetric, query: SeriesQuery & { quantile: number }, buckets: Buckets): MetricFamily {
  const grouped = query.groupByOperation ? "service & operation" : "service";
  const prefix = query.groupByOperation ? "service_operation" : "service";
  const name = { latencies: `${prefix}_latencies`, calls: `${prefix}_call_rate`, errors: `${prefix}_error_rate` }[metric];
  const help = {
    latencies: `${query.quantile}th quantile latency, grouped by ${grouped}`,
    calls: `calls/sec, grouped by ${grouped}`,
    errors: `error rate, computed as a fraction of errors/sec over calls/sec, grouped by ${grouped}`,
  }[metric];
  const windowSeconds = Math.max(query.ratePerMs, buckets.resolution) / 1000;
  const metrics = [...seriesWindows(buckets, query).values()].map(({ key, points }) => ({
    labels: [...(key.operation !== undefined ? [{ name: "operation", value: key.operation }] : []), { name: "service_name", value: key.service }],
    metricPoints: points
      .map(({ t, stat }) => {
        const value =
          metric === "calls" ? stat.calls / windowSeconds : metric === "errors" ? (stat.calls ? stat.errors / stat.calls : NaN) : stat.latency.quantile(query.quantile) / 1000;
        return { gaugeValue: { doubleValue: round(value) }, timestamp: new Date(t).toISOString(), ok: Number.isFinite(value) };
      })
      .filter((point) => point.ok)
      .map(({ gaugeValue, timestamp }) => ({ gaugeValue, timestamp })),
  }));
  return { name, type: "GAUGE", help, metrics };
}

export interface ServiceView {
  service: string;
  series: Array<{ t: number; calls: number; rate: number; errors: number; errorRate: number; p50: number; p95: number; p99: number }>;
  operations: Array<{ name: string; kind: number; calls: number; errors: number; rate: number; errorRate: number; p50: number; p95: number; p99: number; impact: number }>;
}

/** One service over a range: its request rate, error rate and latency per step, and its operations. */
export function serviceView(buckets: Buckets, service: string, spanKinds: number[], fromMs: number, toMs: number, stepMs: number): ServiceView {
  const step = Math.max(stepMs, buckets.resolution);
  const seconds = step / 1000;
  const kinds = new Set(spanKinds);
  const series: ServiceView["series"] = [];
  for (let t = Math.floor(fromMs / step) * step; t < toMs; t += step) {
    const stat: Stat = { calls: 0, errors: 0, latency: new LatencySketch() };
    for (const [start, aggregate] of buckets.byStart) {
      if (start < t || start >= t + step) continue;
      for (const [key, s] of aggregate.operations) {
        const op = parseOperationKey(key);
        if (op.service !== service || (op.kind !== -1 && !kinds.has(op.kind))) continue;
        stat.calls += s.calls;
        stat.errors += s.errors;
        stat.latency.merge(s.latency);
      }
    }
    series.push({ t, calls: stat.calls, rate: round(stat.calls / seconds), errors: stat.errors, errorRate: stat.calls ? round(stat.errors / stat.calls) : 0, ...quantilesMs(stat.latency) });
  }
  const total = sumRange(buckets, fromMs - (fromMs % buckets.resolution), toMs);
  const rangeSeconds = Math.max(1, (toMs - fromMs) / 1000);
  const operations: ServiceView["operations"] = [];
  for (const [key, stat] of total.operations) {
    const op = parseOperationKey(key);
    if (op.service !== service || (op.kind !== -1 && !kinds.has(op.kind))) continue;
    const q = quantilesMs(stat.latency);
    const rate = stat.calls / rangeSeconds;
    operations.push({ name: op.operation, kind: op.kind, calls: stat.calls, errors: stat.errors, rate: round(rate), errorRate: round(stat.errors / stat.calls), ...q, impact: round(rate * q.p95) });
  }
  operations.sort((a, b) => b.impact - a.impact);
  return { service, series, operations };
}
