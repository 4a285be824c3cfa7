/**
 * GET /api/graph (worker/routes/metrics.ts): the tenant's service graph over a time range. The
 * node types are the shared model's; the answer's shape is restated from worker/query/metrics.ts,
 * whose module pulls in the shard storage the app must not compile.
 */
import type { NodeType } from "$model/service-graph";
import { getJson, type RequestOptions } from "../monitor/api";

export type { NodeType };

export interface GraphNode {
  id: string;
  type: NodeType;
  /** Calls it served (a virtual database/queue/remote node: calls made to it). */
  calls: number;
  errors: number;
  /** Root requests from outside. */
  entries: number;
}

export interface GraphEdge {
  parent: string;
  child: string;
  childType: NodeType;
  /** A message (producer/consumer) rather than a request the caller waited on. */
  async: boolean;
  calls: number;
  errors: number;
  /** ms, as the caller waited. */
  p50: number;
  p95: number;
  p99: number;
}

export interface ServiceGraph {
  start: number;
  end: number;
  resolution: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const serviceGraph = (range: { start: number; end: number }, options: RequestOptions = {}) =>
  getJson<ServiceGraph>(`/api/graph?start=${range.start}&end=${range.end}`, options);
