import { describe, expect, it } from "vitest";
import { flamegraph, framePath, visibleFrames } from "./flamegraph";
import { normalizeTrace } from "./normalize";
import { makeTrace } from "./testing/builders";
import { syntheticJaeger } from "./testing/synthetic";

/**
 *   root frontend GET /dispatch  [0, 100]          self 20
 *   ├ r1 route GET /route        [0, 30]  ┐        self 20 (10 in its db call)
 *   │ └ q1 db SELECT             [5, 15]  │ three calls, one path:
 *   ├ r2 route GET /route        [30, 60] │ merged into one frame
 *   ├ r3 route GET /route        [60, 80] ┘
 *   └ c customer GET /customer   [80, 100]         self 20
 */
const trace = () =>
  normalizeTrace(
    makeTrace([
      { id: "root", service: "frontend", op: "GET /dispatch", start: 0, duration: 100 },
      { id: "r1", parent: "root", service: "route", op: "GET /route", start: 0, duration: 30 },
      { id: "q1", parent: "r1", service: "db", op: "SELECT", start: 5, duration: 10 },
      { id: "r2", parent: "root", service: "route", op: "GET /route", start: 30, duration: 30 },
      { id: "r3", parent: "root", service: "route", op: "GET /route", start: 60, duration: 20 },
      { id: "c", parent: "root", service: "customer", op: "GET /customer", start: 80, duration: 20 },
    ]),
  );

describe("flamegraph", () => {
  it("merges spans with the same service + operation path into one frame", () => {
    const graph = flamegraph(trace());
    expect(graph.frames.map((f) => `${f.operation}×${f.spans.length}`)).toEqual(["GET /dispatch×1", "GET /route×3", "SELECT×1", "GET /customer×1"]);
  });

  it("sizes frames by aggregated self time so children never outgrow their parent", () => {
    const graph = flamegraph(trace());
    const [root, route, select, customer] = graph.frames;
    // Self times: root 0 (children cover it), routes 20+30+20, SELECT 10, customer 20.
    expect([root?.value, route?.value, select?.value, customer?.value]).toEqual([100, 80, 10, 20]);
    expect(route?.self).toBe(70);
    expect(graph.total).toBe(100);
    for (const frame of graph.frames) {
      const childSum = frame.children.reduce((s, c) => s + (graph.frames[c]?.value ?? 0), 0);
      expect(frame.value).toBe(frame.self + childSum);
    }
  });

  it("lays children out widest first inside their parent", () => {
    const graph = flamegraph(trace());
    const [root, route, select, customer] = graph.frames;
    expect([root?.x0, root?.x1]).toEqual([0, 1]);
    expect([route?.x0, route?.x1]).toEqual([0, 0.8]);
    expect([customer?.x0, customer?.x1]).toEqual([0.8, 1]);
    expect([select?.x0, select?.x1]).toEqual([0, 0.1]);
    expect(route?.depth).toBe(1);
  });

  it("draws only frames wide enough at the zoom", () => {
    const graph = flamegraph(trace());
    expect(visibleFrames(graph, 0, 1, 100, 15).map((f) => f.operation)).toEqual(["GET /dispatch", "GET /route", "GET /customer"]);
    expect(visibleFrames(graph, 0, 0.1, 100, 15).map((f) => f.operation)).toEqual(["GET /dispatch", "GET /route", "SELECT"]);
  });

  it("gives the breadcrumb from the top row to a frame", () => {
    const graph = flamegraph(trace());
    expect(framePath(graph, 2)).toEqual([0, 1, 2]);
  });

  it("folds a 10,000-span trace into far fewer frames", () => {
    const graph = flamegraph(normalizeTrace(syntheticJaeger({ spans: 10_000, seed: 3 })));
    expect(graph.frames.reduce((n, f) => n + f.spans.length, 0)).toBe(10_000);
    expect(graph.frames.length).toBeLessThan(10_000);
  });
});
