/**
 * The service map's geometry: the graph route's nodes and edges in, positioned shapes and edge
 * paths out, ready for an SVG. The layering (Sugiyama: ranks, crossing reduction, coordinates) is
 * dagre's — a maintained implementation with a cycle breaker and multi-edge routing — so this
 * module only sizes the shapes, hands them over, and turns dagre's points into paths that end at
 * each shape's outline.
 *
 * Left to right: callers on the left, what they call on the right, so the map reads like a
 * request's path and long service names sit under their shapes without widening the ranks.
 */
import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from "@dagrejs/dagre";
import type { GraphEdge, GraphNode, NodeType } from "./api";
import { edgeWidth, errorBand, errorRatio, nodeRadius, ratePerSecond, type ErrorBand } from "./scale";

export interface Point {
  x: number;
  y: number;
}

export interface MapNode extends GraphNode {
  rate: number;
  errorRatio: number;
  band: ErrorBand;
  /** Centre of the shape (not of the shape and its label). */
  x: number;
  y: number;
  /** The shape's box, in px. */
  width: number;
  height: number;
  /** Baseline of the name under the shape. */
  labelY: number;
}

/**
 * An edge where it is drawn, with what the caller's edges carried besides (the trace view adds
 * total and slowest times to the route's fields).
 */
export type MapEdge<E extends GraphEdge = GraphEdge> = E & EdgeGeometry;

export interface EdgeGeometry {
  /** Unique among the map's edges (a pair may have a request edge and a message edge). */
  key: string;
  rate: number;
  errorRatio: number;
  band: ErrorBand;
  /** px: the busier the edge, the wider. */
  strokeWidth: number;
  /** SVG path data from the caller's outline to the callee's. */
  path: string;
  /** Halfway along the path: where the edge's numbers are anchored. */
  mid: Point;
  selfLoop: boolean;
}

export interface MapLayout<E extends GraphEdge = GraphEdge> {
  width: number;
  height: number;
  nodes: MapNode[];
  edges: Array<MapEdge<E>>;
}

/** Space under a shape for its name, and how wide a name is taken to be per character (12 px type). */
const LABEL_GAP = 5;
const LABEL_HEIGHT = 16;
const CHAR_WIDTH = 7;
/** Room around the drawing, and for a self-loop drawn above its node. */
const MARGIN = 24;
const LOOP = 22;

/** The box a node's shape takes for its radius: the circle's, or a shape of about the same area. */
export function shapeSize(type: NodeType, radius: number): { width: number; height: number } {
  switch (type) {
    case "service":
      return { width: 2 * radius, height: 2 * radius };
    case "database":
      // A cylinder: a little narrower than tall, like the symbol people know.
      return { width: 1.7 * radius, height: 2 * radius };
    case "queue":
      // A pipe lying down: messages go through it left to right.
      return { width: 2.6 * radius, height: 1.3 * radius };
    case "remote":
      return { width: 2.4 * radius, height: 1.5 * radius };
  }
}

/** Where the line from the centre of a shape of `size` towards `toward` leaves its outline (+ `gap`). */
export function outlinePoint(center: Point, size: { width: number; height: number }, toward: Point, gap = 0): Point {
  const dx = toward.x - center.x;
  const dy = toward.y - center.y;
  if (dx === 0 && dy === 0) return center;
  // Every shape is drawn inside its box and bulges to it at the middle of each side: an ellipse of
  // the box is close enough for where an arrow should stop.
  const a = size.width / 2 + gap;
  const b = size.height / 2 + gap;
  const t = 1 / Math.sqrt((dx / a) ** 2 + (dy / b) ** 2);
  return { x: center.x + dx * t, y: center.y + dy * t };
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * A smooth path through `points`: straight to the first midpoint, then a quadratic curve around
 * each bend (the bend as its control point), straight into the last point, so the arrowhead
 * points along the final segment.
 */
export function curvePath(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return "";
  let d = `M${round(first.x)},${round(first.y)}`;
  if (rest.length === 0) return d;
  if (rest.length === 1) {
    const [only] = rest as [Point];
    return `${d} L${round(only.x)},${round(only.y)}`;
  }
  const mid = (p: Point, q: Point): Point => ({ x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 });
  const m0 = mid(first, rest[0] as Point);
  d += ` L${round(m0.x)},${round(m0.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const bend = rest[i] as Point;
    const next = mid(bend, rest[i + 1] as Point);
    d += ` Q${round(bend.x)},${round(bend.y)} ${round(next.x)},${round(next.y)}`;
  }
  const last = rest[rest.length - 1] as Point;
  return `${d} L${round(last.x)},${round(last.y)}`;
}

/** The point halfway along a polyline (by length). */
export function halfway(points: readonly Point[]): Point {
  if (points.length === 0) return { x: 0, y: 0 };
  const lengths: number[] = [];
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1] as Point;
    const q = points[i] as Point;
    const length = Math.hypot(q.x - p.x, q.y - p.y);
    lengths.push(length);
    total += length;
  }
  let left = total / 2;
  for (let i = 1; i < points.length; i++) {
    const length = lengths[i - 1] as number;
    const p = points[i - 1] as Point;
    const q = points[i] as Point;
    if (left <= length && length > 0) return { x: p.x + ((q.x - p.x) * left) / length, y: p.y + ((q.y - p.y) * left) / length };
    left -= length;
  }
  return points[points.length - 1] as Point;
}

/**
 * An edge's identity, as the server keys it (worker/metrics/aggregate.ts): a pair may have a
 * request edge and a message edge, and a callee named the same as a service but reached as a
 * virtual node (nobody answered) is an edge of its own.
 */
export const edgeKey = (edge: Pick<GraphEdge, "parent" | "child" | "childType" | "async">) =>
  `${edge.parent}\u0000${edge.child}\u0000${edge.childType}\u0000${edge.async ? "async" : "sync"}`;

/** A loop above the node, leaving on its upper right and coming back on its upper left. */
function selfLoop(node: MapNode): { points: Point[]; path: string } {
  const top = node.y - node.height / 2;
  const start = { x: node.x + node.width * 0.22, y: top + node.height * 0.04 };
  const end = { x: node.x - node.width * 0.22, y: top + node.height * 0.04 };
  const peak = top - LOOP;
  const path = `M${round(start.x)},${round(start.y)} C${round(start.x + LOOP)},${round(peak)} ${round(end.x - LOOP)},${round(peak)} ${round(end.x)},${round(end.y)}`;
  return { points: [start, { x: node.x, y: peak + LOOP / 4 }, end], path };
}

/**
 * Lays the graph out for a range of `rangeMs` (rates are calls per second over it). Nodes an edge
 * names but the node list lacks are added with no calls of their own, so no edge hangs loose.
 */
export function layoutGraph<E extends GraphEdge>(graph: { nodes: readonly GraphNode[]; edges: readonly E[] }, rangeMs: number): MapLayout<E> {
  const byId = new Map<string, GraphNode>();
  for (const node of graph.nodes) byId.set(node.id, node);
  for (const edge of graph.edges) {
    if (!byId.has(edge.parent)) byId.set(edge.parent, { id: edge.parent, type: "service", calls: 0, errors: 0, entries: 0 });
    if (!byId.has(edge.child)) byId.set(edge.child, { id: edge.child, type: edge.childType, calls: 0, errors: 0, entries: 0 });
  }
  // Sorted input, so the same graph is always drawn the same way (dagre's order follows insertion).
  const nodes = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const edges = [...graph.edges].sort((a, b) => (edgeKey(a) < edgeKey(b) ? -1 : edgeKey(a) > edgeKey(b) ? 1 : 0));
  const maxRate = Math.max(0, ...nodes.map((n) => ratePerSecond(n.calls, rangeMs)));
  const maxEdgeRate = Math.max(0, ...edges.map((e) => ratePerSecond(e.calls, rangeMs)));

  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 28, ranksep: 90, edgesep: 14, marginx: MARGIN, marginy: MARGIN + LOOP });
  g.setDefaultEdgeLabel(() => ({}));
  const sized = new Map<string, { radius: number; width: number; height: number }>();
  for (const node of nodes) {
    const radius = nodeRadius(ratePerSecond(node.calls, rangeMs), maxRate);
    const shape = shapeSize(node.type, radius);
    sized.set(node.id, { radius, ...shape });
    const labelWidth = node.id.length * CHAR_WIDTH + 8;
    g.setNode(node.id, { width: Math.max(shape.width, labelWidth), height: shape.height + LABEL_GAP + LABEL_HEIGHT });
  }
  // dagre routes a self-edge badly when laid out left to right (its points land outside the
  // drawing); self-loops are drawn as a fixed loop above their node instead.
  for (const edge of edges) {
    if (edge.parent !== edge.child) g.setEdge(edge.parent, edge.child, { weight: edge.async ? 1 : 2 }, edgeKey(edge));
  }
  dagre.layout(g);

  const placed = new Map<string, MapNode>();
  for (const node of nodes) {
    const box = g.node(node.id);
    const shape = sized.get(node.id) as { width: number; height: number };
    const top = (box.y ?? 0) - box.height / 2;
    const rate = ratePerSecond(node.calls, rangeMs);
    const ratio = errorRatio(node.errors, node.calls);
    placed.set(node.id, {
      ...node,
      rate,
      errorRatio: ratio,
      band: errorBand(ratio),
      x: box.x ?? 0,
      y: top + shape.height / 2,
      width: shape.width,
      height: shape.height,
      labelY: top + shape.height + LABEL_GAP + 12,
    });
  }

  const mapEdges = edges.map((edge): MapEdge<E> => {
    const from = placed.get(edge.parent) as MapNode;
    const to = placed.get(edge.child) as MapNode;
    const ratio = errorRatio(edge.errors, edge.calls);
    const rate = ratePerSecond(edge.calls, rangeMs);
    const common = { ...edge, key: edgeKey(edge), rate, errorRatio: ratio, band: errorBand(ratio), strokeWidth: edgeWidth(rate, maxEdgeRate) };
    if (edge.parent === edge.child) {
      const loop = selfLoop(from);
      return { ...common, path: loop.path, mid: halfway(loop.points), selfLoop: true };
    }
    const routed = (g.edge({ v: edge.parent, w: edge.child, name: edgeKey(edge) }).points ?? []).map((p): Point => ({ x: p.x, y: p.y }));
    // dagre ends edges on the box of shape and name; move the ends to the shape's own outline.
    const inner = routed.slice(1, -1);
    const after = inner[0] ?? to;
    const before = inner[inner.length - 1] ?? from;
    const points = [outlinePoint(from, from, after, 1), ...inner, outlinePoint(to, to, before, 3)];
    return { ...common, path: curvePath(points), mid: halfway(points), selfLoop: false };
  });

  // dagre measures an empty graph as -Infinity wide.
  const size = g.graph();
  const extent = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.ceil(n) : 0);
  return { width: extent(size.width), height: extent(size.height), nodes: [...placed.values()], edges: mapEdges };
}
