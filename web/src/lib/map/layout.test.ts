import { describe, expect, it } from "vitest";
import type { GraphEdge, GraphNode } from "./api";
import { curvePath, edgeKey, halfway, layoutGraph, outlinePoint, shapeSize, type MapLayout } from "./layout";
import { MAX_RADIUS, MAX_STROKE, MIN_RADIUS, MIN_STROKE } from "./scale";

const HOUR = 3_600_000;

function makeNode(overrides: Partial<GraphNode> & { id: string }): GraphNode {
  return { type: "service", calls: 100, errors: 0, entries: 0, ...overrides };
}

function makeEdge(overrides: Partial<GraphEdge> & { parent: string; child: string }): GraphEdge {
  return { childType: "service", async: false, calls: 100, errors: 0, p50: 10, p95: 20, p99: 30, ...overrides };
}

/** Numbers in a path's data, as [x, y] pairs. */
function pathPoints(path: string): Array<[number, number]> {
  const numbers = (path.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i + 1 < numbers.length; i += 2) pairs.push([numbers[i] as number, numbers[i + 1] as number]);
  return pairs;
}

function expectInside(layout: MapLayout) {
  for (const node of layout.nodes) {
    expect(node.x - node.width / 2).toBeGreaterThanOrEqual(0);
    expect(node.y - node.height / 2).toBeGreaterThanOrEqual(0);
    expect(node.x + node.width / 2).toBeLessThanOrEqual(layout.width);
    expect(node.labelY).toBeLessThanOrEqual(layout.height);
  }
  for (const edge of layout.edges) {
    for (const [x, y] of pathPoints(edge.path)) {
      expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(layout.width);
      expect(y).toBeLessThanOrEqual(layout.height);
    }
  }
}

const nodeById = (layout: MapLayout, id: string) => {
  const node = layout.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id}`);
  return node;
};

/*
 *   frontend ──▶ customer ──▶ mysql (database)
 *       │  └───▶ driver ───▶ redis (database)
 *       └ ─ ─ ─▶ notification (a message: async)
 */
const hotrod = {
  nodes: [
    makeNode({ id: "frontend", calls: 30, entries: 30 }),
    makeNode({ id: "customer", calls: 30, errors: 1 }),
    makeNode({ id: "driver", calls: 29 }),
    makeNode({ id: "notification", calls: 29 }),
    makeNode({ id: "mysql", type: "database", calls: 30, errors: 1 }),
    makeNode({ id: "redis", type: "database", calls: 337, errors: 18 }),
  ],
  edges: [
    makeEdge({ parent: "frontend", child: "customer", calls: 30, errors: 1 }),
    makeEdge({ parent: "frontend", child: "driver", calls: 29 }),
    makeEdge({ parent: "frontend", child: "notification", calls: 29, async: true }),
    makeEdge({ parent: "customer", child: "mysql", childType: "database", calls: 30, errors: 1 }),
    makeEdge({ parent: "driver", child: "redis", childType: "database", calls: 337, errors: 18 }),
  ],
};

describe("layoutGraph", () => {
  it("puts callers left of what they call, every shape and path inside the drawing", () => {
    const layout = layoutGraph(hotrod, HOUR);
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(["customer", "driver", "frontend", "mysql", "notification", "redis"]);
    expect(nodeById(layout, "frontend").x).toBeLessThan(nodeById(layout, "customer").x);
    expect(nodeById(layout, "customer").x).toBeLessThan(nodeById(layout, "mysql").x);
    expect(nodeById(layout, "driver").x).toBeLessThan(nodeById(layout, "redis").x);
    expectInside(layout);
  });

  it("sizes nodes by call rate and colours by error ratio", () => {
    const layout = layoutGraph(hotrod, HOUR);
    const redis = nodeById(layout, "redis");
    expect(redis.rate).toBeCloseTo(337 / 3600, 9);
    expect(redis.width).toBe(shapeSize("database", MAX_RADIUS).width);
    expect(nodeById(layout, "frontend").width).toBeLessThan(redis.width);
    expect(redis.band).toBe("high"); // 18 / 337 = 5.3 %
    expect(nodeById(layout, "customer").band).toBe("elevated"); // 1 / 30 = 3.3 %
    const edge = layout.edges.find((e) => e.parent === "frontend" && e.child === "customer");
    expect(edge?.band).toBe("elevated");
    expect(layout.edges.find((e) => e.child === "notification")?.async).toBe(true);
  });

  it("draws the busiest edge widest", () => {
    const layout = layoutGraph(hotrod, HOUR);
    const widths = new Map(layout.edges.map((e) => [e.child, e.strokeWidth]));
    expect(widths.get("redis")).toBe(MAX_STROKE);
    expect(widths.get("customer")).toBeLessThan(widths.get("redis") as number);
    expect(widths.get("customer")).toBeGreaterThan(MIN_STROKE);
  });

  it("ends each edge on the caller's and the callee's outline, not inside them", () => {
    const layout = layoutGraph(hotrod, HOUR);
    for (const edge of layout.edges) {
      const points = pathPoints(edge.path);
      const [sx, sy] = points[0] as [number, number];
      const [ex, ey] = points[points.length - 1] as [number, number];
      const from = nodeById(layout, edge.parent);
      const to = nodeById(layout, edge.child);
      // Outside the shape's ellipse (≥ 1 by construction, with the gap), and close to it.
      const reach = (p: [number, number], n: typeof from) => Math.hypot((p[0] - n.x) / (n.width / 2), (p[1] - n.y) / (n.height / 2));
      expect(reach([sx, sy], from)).toBeGreaterThanOrEqual(1);
      expect(reach([sx, sy], from)).toBeLessThan(1.2);
      expect(reach([ex, ey], to)).toBeGreaterThanOrEqual(1);
      expect(reach([ex, ey], to)).toBeLessThan(1.3);
    }
  });

  it("draws the same graph the same way whatever order the route listed it in", () => {
    const shuffled = { nodes: [...hotrod.nodes].reverse(), edges: [...hotrod.edges].reverse() };
    expect(layoutGraph(shuffled, HOUR)).toEqual(layoutGraph(hotrod, HOUR));
  });

  it("lays out a single node with no edges", () => {
    const layout = layoutGraph({ nodes: [makeNode({ id: "lonely", calls: 5 })], edges: [] }, HOUR);
    expect(layout.nodes).toHaveLength(1);
    expect(layout.edges).toHaveLength(0);
    expect(nodeById(layout, "lonely").width).toBe(2 * MAX_RADIUS);
    expectInside(layout);
  });

  it("lays out nothing at all", () => {
    const layout = layoutGraph({ nodes: [], edges: [] }, HOUR);
    expect(layout.nodes).toEqual([]);
    expect(layout.edges).toEqual([]);
    expect(Number.isFinite(layout.width) && Number.isFinite(layout.height)).toBe(true);
  });

  it("breaks a cycle and still draws both directions as separate edges", () => {
    /*  a ⇄ b ──▶ c ──▶ a  */
    const layout = layoutGraph(
      {
        nodes: [makeNode({ id: "a" }), makeNode({ id: "b" }), makeNode({ id: "c" })],
        edges: [makeEdge({ parent: "a", child: "b" }), makeEdge({ parent: "b", child: "a" }), makeEdge({ parent: "b", child: "c" }), makeEdge({ parent: "c", child: "a" })],
      },
      HOUR,
    );
    expect(layout.edges).toHaveLength(4);
    const ab = layout.edges.find((e) => e.parent === "a" && e.child === "b");
    const ba = layout.edges.find((e) => e.parent === "b" && e.child === "a");
    expect(ab?.path).not.toBe(ba?.path);
    expectInside(layout);
  });

  it("draws a self-loop above its node, inside the drawing", () => {
    const layout = layoutGraph({ nodes: [makeNode({ id: "worker" })], edges: [makeEdge({ parent: "worker", child: "worker", async: true })] }, HOUR);
    const [loop] = layout.edges;
    expect(loop?.selfLoop).toBe(true);
    const node = nodeById(layout, "worker");
    expect(loop?.mid.y).toBeLessThan(node.y - node.height / 2);
    expectInside(layout);
  });

  it("keeps a request edge and a message edge between the same pair apart", () => {
    const layout = layoutGraph(
      { nodes: [makeNode({ id: "a" }), makeNode({ id: "b" })], edges: [makeEdge({ parent: "a", child: "b" }), makeEdge({ parent: "a", child: "b", async: true })] },
      HOUR,
    );
    expect(new Set(layout.edges.map((e) => e.key)).size).toBe(2);
    expect(layout.edges[0]?.path).not.toBe(layout.edges[1]?.path);
  });

  it("draws a service that only calls virtual nodes, and adds nodes an edge names but the list lacks", () => {
    /*  batch ──▶ postgres (database), kafka (queue), api.example.com (remote)  — none listed as nodes */
    const layout = layoutGraph(
      {
        nodes: [makeNode({ id: "batch", calls: 0 })],
        edges: [
          makeEdge({ parent: "batch", child: "postgres", childType: "database" }),
          makeEdge({ parent: "batch", child: "kafka orders", childType: "queue", async: true }),
          makeEdge({ parent: "batch", child: "api.example.com", childType: "remote" }),
        ],
      },
      HOUR,
    );
    expect(layout.nodes.map((n) => [n.id, n.type, n.calls])).toEqual([
      ["api.example.com", "remote", 0],
      ["batch", "service", 0],
      ["kafka orders", "queue", 0],
      ["postgres", "database", 0],
    ]);
    // With no calls anywhere, every node gets the smallest size of its shape.
    expect(nodeById(layout, "kafka orders").width).toBe(shapeSize("queue", MIN_RADIUS).width);
    expectInside(layout);
  });

  it("handles zero calls and zero latency on an edge without dividing by zero", () => {
    const layout = layoutGraph({ nodes: [makeNode({ id: "a", calls: 0 }), makeNode({ id: "b", calls: 0 })], edges: [makeEdge({ parent: "a", child: "b", calls: 0, errors: 0, p50: 0, p95: 0, p99: 0 })] }, HOUR);
    expect(layout.edges[0]).toMatchObject({ rate: 0, errorRatio: 0, band: "none" });
  });

  it("marks every call failing as the highest band", () => {
    const layout = layoutGraph({ nodes: [makeNode({ id: "a" }), makeNode({ id: "b", calls: 4, errors: 4 })], edges: [makeEdge({ parent: "a", child: "b", calls: 4, errors: 4 })] }, HOUR);
    expect(layout.edges[0]).toMatchObject({ errorRatio: 1, band: "high" });
    expect(nodeById(layout, "b").errorRatio).toBe(1);
  });
});

describe("geometry helpers", () => {
  it("finds where a line leaves a circle", () => {
    const p = outlinePoint({ x: 0, y: 0 }, { width: 20, height: 20 }, { x: 100, y: 0 });
    expect(p).toEqual({ x: 10, y: 0 });
    const q = outlinePoint({ x: 0, y: 0 }, { width: 20, height: 20 }, { x: 0, y: -50 }, 2);
    expect(q.x).toBeCloseTo(0, 9);
    expect(q.y).toBeCloseTo(-12, 9);
  });

  it("stays at the centre when pointed at itself", () => {
    expect(outlinePoint({ x: 5, y: 5 }, { width: 20, height: 20 }, { x: 5, y: 5 })).toEqual({ x: 5, y: 5 });
  });

  it("writes a straight line for two points and curves around bends", () => {
    expect(curvePath([{ x: 0, y: 0 }, { x: 10, y: 5 }])).toBe("M0,0 L10,5");
    expect(curvePath([{ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 20, y: 0 }])).toBe("M0,0 L5,5 Q10,10 15,5 L20,0");
    expect(curvePath([])).toBe("");
  });

  it("finds the point halfway along a polyline", () => {
    expect(halfway([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }])).toEqual({ x: 10, y: 0 });
    expect(halfway([{ x: 3, y: 4 }])).toEqual({ x: 3, y: 4 });
  });

  it("gives a request and a message between the same services different keys", () => {
    expect(edgeKey({ parent: "a", child: "b", childType: "service", async: false })).not.toBe(edgeKey({ parent: "a", child: "b", childType: "service", async: true }));
  });

  it("tells a call a service answered from one to a virtual node of the same name", () => {
    expect(edgeKey({ parent: "a", child: "b", childType: "service", async: false })).not.toBe(edgeKey({ parent: "a", child: "b", childType: "remote", async: false }));
  });
});
