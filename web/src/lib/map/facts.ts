/**
 * What the hover card (and a focused node's or edge's accessible name) says about a node or an
 * edge. Two readings of the same graph: the service map's, over a time range (rates, latency
 * quantiles of many calls), and one trace's (counts, and the time its calls took).
 */
import { formatCount, formatMs, formatPercent, formatRate } from "../monitor/format";
import type { GraphEdge } from "./api";
import type { MapEdge, MapNode } from "./layout";
import { NODE_TYPE_LABELS } from "./shapes";

export interface Fact {
  label: string;
  value: string;
  /** Errors worth the reader's eye. */
  alarming?: boolean;
}

export interface Facts {
  title: string;
  /** "service", "database", "request", "message"… */
  subtitle: string;
  facts: Fact[];
}

const errorsFact = (errors: number, calls: number, ratio: number): Fact => ({
  label: "Errors",
  value: errors > 0 ? `${formatCount(errors)} (${formatPercent(ratio)})` : "none",
  alarming: errors > 0 && calls > 0,
});

/** A service answers calls; a database, queue or remote API only has calls made to it. */
const callsLabel = (node: MapNode) => (node.type === "service" ? "Calls served" : "Calls to it");

export const edgeTitle = (edge: Pick<GraphEdge, "parent" | "child">) => `${edge.parent} → ${edge.child}`;
export const edgeSubtitle = (edge: Pick<GraphEdge, "async" | "childType">) =>
  `${edge.async ? "messages" : "requests"}${edge.childType === "service" ? "" : ` to a ${NODE_TYPE_LABELS[edge.childType]}`}`;

/** The map: a node over the range. */
export function rangeNodeFacts(node: MapNode): Facts {
  const facts: Fact[] = [
    { label: callsLabel(node), value: formatCount(node.calls) },
    { label: "Rate", value: formatRate(node.rate) },
    errorsFact(node.errors, node.calls, node.errorRatio),
  ];
  if (node.entries > 0) facts.push({ label: "From outside", value: formatCount(node.entries) });
  return { title: node.id, subtitle: NODE_TYPE_LABELS[node.type], facts };
}

/** The map: an edge over the range, its latency as the caller waited (ms, from the route). */
export function rangeEdgeFacts(edge: MapEdge): Facts {
  return {
    title: edgeTitle(edge),
    subtitle: edgeSubtitle(edge),
    facts: [
      { label: "Calls", value: formatCount(edge.calls) },
      { label: "Rate", value: formatRate(edge.rate) },
      errorsFact(edge.errors, edge.calls, edge.errorRatio),
      { label: "p50", value: formatMs(edge.p50) },
      { label: "p95", value: formatMs(edge.p95) },
      { label: "p99", value: formatMs(edge.p99) },
    ],
  };
}

/** One trace: a node's calls in it. */
export function traceNodeFacts(node: MapNode): Facts {
  const facts: Fact[] = [{ label: callsLabel(node), value: formatCount(node.calls) }, errorsFact(node.errors, node.calls, node.errorRatio)];
  if (node.entries > 0) facts.push({ label: "Trace entry", value: node.entries === 1 ? "yes" : formatCount(node.entries) });
  return { title: node.id, subtitle: NODE_TYPE_LABELS[node.type], facts };
}

/** One trace: an edge's calls and the time they took (ms). */
export function traceEdgeFacts(edge: MapEdge<GraphEdge & { totalMs: number; maxMs: number }>): Facts {
  const facts: Fact[] = [{ label: "Calls", value: formatCount(edge.calls) }, errorsFact(edge.errors, edge.calls, edge.errorRatio)];
  if (edge.calls === 1) facts.push({ label: "Duration", value: formatMs(edge.totalMs) });
  else facts.push({ label: "Total", value: formatMs(edge.totalMs) }, { label: "Median", value: formatMs(edge.p50) }, { label: "Slowest", value: formatMs(edge.maxMs) });
  return { title: edgeTitle(edge), subtitle: edgeSubtitle(edge), facts };
}

/** The facts as one sentence, for a screen reader: "customer, service: Calls served 30, Rate 0.5/min, …". */
export function spoken(facts: Facts): string {
  return `${facts.title}, ${facts.subtitle}: ${facts.facts.map((f) => `${f.label} ${f.value}`).join(", ")}`;
}
