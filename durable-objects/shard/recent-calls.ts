/**
 * What a trace shard knows of its tenant's call graph while it flushes: which services call which,
 * for the broken-propagation signs (worker/propagation/signs.ts), which only look at a root span
 * in a service others call. Kept in memory from the calls each flush pairs anyway, and seeded once
 * after a start from the shard's own hour buckets (one or two rows) — no storage of its own.
 *
 * Each shard sees its share of the tenant's traces; with real traffic every call edge shows up in
 * every shard within minutes. Until it does, a fragment's root may go unrecorded here: the cost is
 * a missed sign at the very start, never a false one.
 */
import { Aggregate, HOUR_MS, parseEdgeKey, parseOperationKey } from "../../worker/metrics/aggregate";
import type { GraphCall, GraphSpan } from "../../worker/model/service-graph";
import { CallGraph, type CallEdge } from "../../worker/propagation/call-graph";

/** An edge or service not seen for this long is forgotten. */
const FORGET_MS = 2 * HOUR_MS;
/** Bounds, far above a real service graph: the metrics fold edges past 300 per bucket. */
const MAX_EDGES = 2_000;
const MAX_SERVICES = 2_000;

interface Seen {
  edge: CallEdge;
  at: number;
}

export class RecentCalls {
  private readonly edges = new Map<string, Seen>();
  private readonly services = new Map<string, number>();
  private seeded = false;
  private cached: CallGraph | null = null;

  /** Seeds from stored hour buckets (their edges and operations' services), once per object life. */
  seedOnce(read: () => Array<{ bucket: number; data: Uint8Array }>, now: number): void {
    if (this.seeded) return;
    this.seeded = true;
    for (const { data } of read()) {
      const aggregate = Aggregate.decode(data);
      for (const [key, stat] of aggregate.edges) this.addEdge({ ...parseEdgeKey(key), calls: stat.calls }, now);
      for (const key of aggregate.operations.keys()) this.addService(parseOperationKey(key).service, now);
    }
  }

  /** A flush's paired calls and the services of its spans. */
  note(calls: readonly GraphCall[], spans: readonly GraphSpan[], now: number): void {
    for (const call of calls) this.addEdge({ parent: call.parent, child: call.child, childType: call.childType, async: call.async, calls: 1 }, now);
    for (const span of spans) this.addService(span.service, now);
    for (const [key, seen] of this.edges) if (seen.at < now - FORGET_MS) this.edges.delete(key);
    for (const [service, at] of this.services) if (at < now - FORGET_MS) this.services.delete(service);
    this.cached = null;
  }

  graph(): CallGraph {
    this.cached ??= new CallGraph(
      [...this.edges.values()].map((s) => s.edge),
      this.services.keys(),
    );
    return this.cached;
  }

  private addEdge(edge: CallEdge, now: number): void {
    const key = `${edge.parent}\t${edge.child}\t${edge.childType}\t${edge.async ? 1 : 0}`;
    const seen = this.edges.get(key);
    if (seen) {
      seen.edge.calls += edge.calls;
      seen.at = now;
    } else if (this.edges.size < MAX_EDGES) this.edges.set(key, { edge: { ...edge }, at: now });
    this.cached = null;
  }

  private addService(service: string, now: number): void {
    if (this.services.has(service) || this.services.size < MAX_SERVICES) this.services.set(service, now);
  }
}
