import { describe, expect, it } from "vitest";
import { findSpans } from "../trace/model/find";
import { normalizeTrace } from "../trace/model/normalize";
import { makeTrace, type SpanSpec } from "../trace/model/testing/builders";
import { callFindQuery, graphSpans, quantile, serviceFindQuery, traceGraph } from "./trace-graph";

/*
 *   µs  0                                                       1000
 *   root   frontend SERVER  GET /dispatch ──────────────────────────   entry
 *   ├ c1   frontend CLIENT  GET /customer ───                           → customer
 *   │ └ s1 customer SERVER  GET /customer  ──
 *   │   └ q customer CLIENT SELECT (mysql)  ─   error                   → mysql (database)
 *   ├ r1   frontend CLIENT  GET /route        ─  100 µs                 → route ×3
 *   │ └ rs1 route   SERVER
 *   ├ r2   frontend CLIENT  GET /route         ──  200 µs
 *   │ └ rs2 route   SERVER
 *   ├ r3   frontend CLIENT  GET /route            ───  300 µs
 *   │ └ rs3 route   SERVER
 *   ├ x    frontend CLIENT  nobody answered, no peer tags                (left out)
 *   └ p    frontend PRODUCER send dispatch (kafka, dispatch)            → kafka dispatch (queue, async)
 */
const dispatch: SpanSpec[] = [
  { id: "root", service: "frontend", op: "GET /dispatch", kind: "server", start: 0, duration: 1000 },
  { id: "c1", parent: "root", service: "frontend", op: "GET /customer", kind: "client", start: 10, duration: 290, tags: { "peer.service": "customer" } },
  { id: "s1", parent: "c1", service: "customer", op: "GET /customer", kind: "server", start: 20, duration: 270 },
  { id: "q", parent: "s1", service: "customer", op: "SELECT customer", kind: "client", start: 30, duration: 250, error: true, tags: { "db.system": "mysql", "peer.service": "mysql" } },
  { id: "r1", parent: "root", service: "frontend", op: "GET /route", kind: "client", start: 300, duration: 100 },
  { id: "rs1", parent: "r1", service: "route", op: "GET /route", kind: "server", start: 305, duration: 90 },
  { id: "r2", parent: "root", service: "frontend", op: "GET /route", kind: "client", start: 400, duration: 200 },
  { id: "rs2", parent: "r2", service: "route", op: "GET /route", kind: "server", start: 405, duration: 190 },
  { id: "r3", parent: "root", service: "frontend", op: "GET /route", kind: "client", start: 600, duration: 300 },
  { id: "rs3", parent: "r3", service: "route", op: "GET /route", kind: "server", start: 605, duration: 290 },
  { id: "x", parent: "root", service: "frontend", op: "mystery", kind: "client", start: 900, duration: 5 },
  { id: "p", parent: "root", service: "frontend", op: "send dispatch", kind: "producer", start: 950, duration: 5, tags: { "messaging.system": "kafka", "messaging.destination.name": "dispatch" } },
];

const graphOf = (specs: SpanSpec[], traceId?: string) => traceGraph(normalizeTrace(makeTrace(specs, { traceId })));

describe("traceGraph", () => {
  it("draws the trace's services and its calls, as the shards would pair them", () => {
    const graph = graphOf(dispatch);
    expect(graph.edges.map((e) => [e.parent, e.child, e.childType, e.async, e.calls, e.errors]).sort()).toEqual([
      ["customer", "mysql", "database", false, 1, 1],
      ["frontend", "customer", "service", false, 1, 0],
      ["frontend", "kafka dispatch", "queue", true, 1, 0],
      ["frontend", "route", "service", false, 3, 0],
    ]);
  });

  it("counts what each node served, its errors and the trace's entry, as the graph route does", () => {
    const nodes = Object.fromEntries(graphOf(dispatch).nodes.map((n) => [n.id, [n.type, n.calls, n.errors, n.entries]]));
    expect(nodes).toEqual({
      frontend: ["service", 1, 0, 1],
      customer: ["service", 1, 0, 0],
      route: ["service", 3, 0, 0],
      mysql: ["database", 1, 1, 0],
      "kafka dispatch": ["queue", 1, 0, 0],
    });
  });

  it("times an edge as the caller waited: total, median, slowest, in ms", () => {
    const route = graphOf(dispatch).edges.find((e) => e.child === "route");
    expect(route).toMatchObject({ totalMs: 0.6, p50: 0.2, p95: 0.3, p99: 0.3, maxMs: 0.3 });
  });

  it("pairs a consumer with its producer by a link, as an asynchronous call", () => {
    const graph = graphOf([
      { id: "root", service: "frontend", kind: "server", duration: 100 },
      { id: "p", parent: "root", service: "frontend", kind: "producer", start: 10, duration: 5, tags: { "messaging.system": "kafka" } },
      { id: "c", service: "notification", kind: "consumer", start: 50, duration: 30, links: [{ spanId: "p" }] },
    ]);
    expect(graph.edges.map((e) => [e.parent, e.child, e.async])).toEqual([["frontend", "notification", true]]);
    // The consumer took the message; it is no request from outside.
    expect(graph.nodes.find((n) => n.id === "notification")).toMatchObject({ calls: 1, entries: 0 });
  });

  it("finds a linked producer whatever length of trace id each side spells", () => {
    const long = "00000000000000001234567890abcdef";
    const graph = graphOf(
      [
        { id: "p", service: "frontend", kind: "producer", duration: 5, tags: { "messaging.system": "kafka" } },
        { id: "c", service: "notification", kind: "consumer", start: 50, duration: 30, links: [{ spanId: "p", traceId: "1234567890abcdef" }] },
      ],
      long,
    );
    expect(graph.edges.map((e) => [e.parent, e.child])).toEqual([["frontend", "notification"]]);
  });

  it("reads a FOLLOWS_FROM reference as a link, not a parent, as the shards read OTLP links", () => {
    // The view hangs `s` under `c` (its only in-trace reference); pairing sees a root server span.
    const spans = graphSpans(
      normalizeTrace(
        makeTrace([
          { id: "c", service: "frontend", kind: "client", duration: 10 },
          { id: "s", parent: "c", refType: "FOLLOWS_FROM", service: "api", kind: "server", start: 2, duration: 5 },
        ]),
      ),
    );
    expect(spans.find((s) => s.spanId === "s")).toMatchObject({ parentSpanId: "", links: [{ spanId: "c" }] });
  });

  it("names a virtual node from the newer attribute first, and only from string values", () => {
    const graph = graphOf([
      { id: "a", service: "batch", kind: "client", duration: 5, tags: { "db.system": "postgres", "db.system.name": "postgresql", "db.name": "old", "db.namespace": "orders" } },
      { id: "b", service: "batch", kind: "client", start: 10, duration: 5, tags: { "server.address": "api.example.com", "peer.service": 42 } },
    ]);
    expect(graph.edges.map((e) => [e.child, e.childType]).sort()).toEqual([
      ["api.example.com", "remote"],
      ["postgresql orders", "database"],
    ]);
  });

  it("has a node for a service that calls nothing and nobody calls", () => {
    const graph = graphOf([{ id: "a", service: "cron", kind: "internal", duration: 5 }]);
    expect(graph).toEqual({ nodes: [{ id: "cron", type: "service", calls: 0, errors: 0, entries: 0 }], edges: [] });
  });
});

describe("quantile", () => {
  it("takes the nearest rank and says 0 for nothing", () => {
    expect(quantile([], 0.5)).toBe(0);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
  });
});

describe("find queries from the graph", () => {
  const trace = normalizeTrace(makeTrace(dispatch));
  const found = (query: string) => [...(findSpans(trace, query) ?? [])].map((i) => trace.spans[i]?.spanId).sort();

  it("finds the callee's answers for an edge between services", () => {
    expect(found(callFindQuery({ parent: "frontend", child: "route", childType: "service", async: false }))).toEqual(["rs1", "rs2", "rs3"]);
  });

  it("finds the caller's outgoing spans for an edge to a database or a queue", () => {
    expect(found(callFindQuery({ parent: "customer", child: "mysql", childType: "database", async: false }))).toEqual(["q"]);
    expect(found(callFindQuery({ parent: "frontend", child: "kafka dispatch", childType: "queue", async: true }))).toEqual(["p"]);
  });

  it("quotes a service name with spaces", () => {
    expect(serviceFindQuery("eta planner")).toBe('service="eta planner"');
    expect(serviceFindQuery("route")).toBe("service=route");
  });
});
