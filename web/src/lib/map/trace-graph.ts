/**
 * One trace's service graph, for the trace view's Graph tab: the same pairing as the shards use
 * for the service map (`serviceCalls` in $model/service-graph), fed from the trace view's spans,
 * then counted as the graph route counts (worker/query/metrics.ts `serviceGraph`), so a trace's
 * graph is a slice of the map and never a different reading of the same spans.
 *
 * What differs is only what one trace can say: exact times rather than a latency sketch, and
 * nothing held back. A message the trace sent and another trace consumed shows here as a call to
 * its queue (the shards pair it with its consumer once that trace arrives).
 */
import { PEER_KEYS, serviceCalls, type GraphSpan, type PeerAttributes } from "$model/service-graph";
import { SpanKind } from "$model/span";
import type { SpanKindName, ViewSpan, ViewTrace } from "../trace/model/types";
import type { GraphEdge, GraphNode, NodeType } from "./api";
import { edgeKey } from "./layout";

export interface TraceGraphEdge extends GraphEdge {
  /** ms: all the edge's calls together, as the caller waited. */
  totalMs: number;
  /** ms: the slowest call. */
  maxMs: number;
}

export interface TraceGraph {
  nodes: GraphNode[];
  edges: TraceGraphEdge[];
}

const KINDS: Record<SpanKindName, SpanKind> = {
  "": SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** The shards cut longer peer names (worker/trace-index/digest.ts): a node must be named alike here. */
const MAX_PEER_NAME = 200;

/** Jaeger drops a trace id's zero high half; pairing compares ids, so give every id its 32 digits. */
const fullTraceId = (id: string) => id.toLowerCase().padStart(32, "0");

/** What a CLIENT or PRODUCER span says it called: string tags only, the newer key first. */
function peerOf(span: ViewSpan): PeerAttributes | undefined {
  let peer: PeerAttributes | undefined;
  for (const [key, field] of PEER_KEYS) {
    if (peer?.[field] !== undefined) continue;
    const tag = span.tags.find((t) => t.key === key && t.type === "string");
    if (tag === undefined) continue;
    const value = String(tag.value);
    (peer ??= {})[field] = value.length > MAX_PEER_NAME ? value.slice(0, MAX_PEER_NAME) : value;
  }
  return peer;
}

/**
 * The trace's spans as pairing reads them. The Jaeger shape the view holds came from OTLP spans
 * (worker/jaeger/v1-trace.ts): a CHILD_OF reference is the span's parent and FOLLOWS_FROM
 * references are its links, so that is how they are read back — not the view's own parent,
 * which also takes an in-trace link when a span has no parent.
 */
export function graphSpans(trace: ViewTrace): GraphSpan[] {
  return trace.spans.map((span) => {
    const kind = KINDS[span.kind];
    const parent = span.references.find((r) => r.refType === "CHILD_OF");
    const links = span.references.filter((r) => r.refType === "FOLLOWS_FROM").map((r) => ({ traceId: fullTraceId(r.traceID || span.traceId), spanId: r.spanID }));
    return {
      traceId: fullTraceId(span.traceId),
      spanId: span.spanId,
      parentSpanId: parent?.spanID ?? "",
      service: span.service,
      name: span.operation,
      kind,
      startUs: span.start,
      durationUs: span.duration,
      error: span.error,
      peer: kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER ? peerOf(span) : undefined,
      links: links.length ? links : undefined,
    };
  });
}

/** The value at quantile `q` of ascending `sorted` values (nearest rank); 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

const msOf = (us: number) => us / 1000;

export function traceGraph(trace: ViewTrace): TraceGraph {
  const spans = graphSpans(trace);
  const { calls, entries } = serviceCalls(spans);

  const nodes = new Map<string, GraphNode>();
  const node = (id: string, type: NodeType) => {
    let found = nodes.get(id);
    if (!found) nodes.set(id, (found = { id, type, calls: 0, errors: 0, entries: 0 }));
    return found;
  };
  // As the route counts: a service's calls are the requests and messages it answered.
  for (const span of spans) {
    const served = node(span.service, "service");
    if (span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER) {
      served.calls++;
      if (span.error) served.errors++;
    }
  }
  for (const entry of entries) node(entry.service, "service").entries++;

  const grouped = new Map<string, { edge: Omit<GraphEdge, "calls" | "errors" | "p50" | "p95" | "p99">; durations: number[]; errors: number }>();
  for (const call of calls) {
    const key = edgeKey(call);
    let group = grouped.get(key);
    if (!group) grouped.set(key, (group = { edge: { parent: call.parent, child: call.child, childType: call.childType, async: call.async }, durations: [], errors: 0 }));
    group.durations.push(call.durationUs);
    if (call.error) group.errors++;
    node(call.parent, "service");
    const callee = node(call.child, call.childType);
    if (call.childType !== "service") {
      callee.calls++;
      if (call.error) callee.errors++;
    }
  }

  const edges = [...grouped.values()].map(({ edge, durations, errors }): TraceGraphEdge => {
    const sorted = durations.sort((a, b) => a - b);
    return {
      ...edge,
      calls: sorted.length,
      errors,
      p50: msOf(quantile(sorted, 0.5)),
      p95: msOf(quantile(sorted, 0.95)),
      p99: msOf(quantile(sorted, 0.99)),
      totalMs: msOf(sorted.reduce((sum, us) => sum + us, 0)),
      maxMs: msOf(sorted[sorted.length - 1] ?? 0),
    };
  });
  return { nodes: [...nodes.values()], edges };
}

/** A find-in-trace term, quoted when it has spaces. */
const term = (key: string, value: string) => (/[\s"]/.test(value) ? `${key}="${value.replace(/"/g, "")}"` : `${key}=${value}`);

/** Find-in-trace for a service's spans. */
export const serviceFindQuery = (service: string) => term("service", service);

/**
 * Find-in-trace for an edge's calls, read as the map's edge search is (./links.ts): the callee's
 * answering spans when the callee is a service, else the caller's outgoing spans.
 */
export function callFindQuery(edge: Pick<GraphEdge, "parent" | "child" | "childType" | "async">): string {
  if (edge.childType === "service") return `${term("service", edge.child)} ${term("kind", edge.async ? "consumer" : "server")}`;
  return `${term("service", edge.parent)} ${term("kind", edge.async || edge.childType === "queue" ? "producer" : "client")}`;
}
