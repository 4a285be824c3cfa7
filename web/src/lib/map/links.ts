/**
 * Where the service map's nodes and edges lead: a service to its Monitor page, an edge to the
 * traces that show it, as closely as trace search can express "parent called child".
 */
import type { GraphEdge } from "./api";
import { readQuery, writeQuery } from "../search/query";
import { rangeQuery, type TimeRange } from "../monitor/range";

/** A service's Monitor page, over the same range. */
export function monitorHref(service: string, range: TimeRange): string {
  return `/monitor/${encodeURIComponent(service)}${rangeQuery(range)}`;
}

/** A search over `range` (its value is also a search lookback), `extra` on top of the defaults. */
export function searchHref(range: TimeRange, extra: { service: string; operation?: string; tags?: string }): string {
  const query = { ...readQuery(new URLSearchParams()), lookback: range.value, ...extra };
  return `/search?${writeQuery(query)}`;
}

/**
 * The search for an edge's traces. Trace search matches every tag condition on one span, and no
 * span names the service that called it, so "spans of child called by parent" cannot be said.
 * A tag like `peer.service=child` on the parent's side is not reliable either: the graph names a
 * callee from whatever the caller's span carried (peer.service, else db.system, messaging.system,
 * server.address…) or from the callee's own spans, so no single tag holds the child's name.
 * What the search does support, and what each choice finds:
 *
 * - child is a service: `service=child` and `span.kind=server` (`consumer` for a message edge) —
 *   traces in which the child answered a request (or took a message). When the child has one
 *   caller these are exactly the edge's traces; with several, the caller is in each result's
 *   service pills. The parent is named in the link's label, not the query.
 * - child is virtual (a database, queue or remote API nobody instruments): it exists only as the
 *   parent's outgoing spans, so `service=parent` and `span.kind=client` (`producer` for a queue
 *   or a message edge) — traces in which the parent called out.
 */
export function edgeSearchHref(edge: Pick<GraphEdge, "parent" | "child" | "childType" | "async">, range: TimeRange): string {
  if (edge.childType === "service") {
    return searchHref(range, { service: edge.child, tags: `span.kind=${edge.async ? "consumer" : "server"}` });
  }
  const outgoing = edge.async || edge.childType === "queue" ? "producer" : "client";
  return searchHref(range, { service: edge.parent, tags: `span.kind=${outgoing}` });
}

/** The traces of one operation of a service, over the range. */
export function operationSearchHref(service: string, operation: string, range: TimeRange): string {
  return searchHref(range, { service, operation });
}
