import { describe, expect, it } from "vitest";
import type { GraphEdge, GraphNode } from "./api";
import { rangeEdgeFacts, rangeNodeFacts, spoken, traceEdgeFacts, traceNodeFacts } from "./facts";
import { layoutGraph } from "./layout";

const HOUR = 3_600_000;

const nodes: GraphNode[] = [
  { id: "frontend", type: "service", calls: 3600, errors: 0, entries: 3600 },
  { id: "customer", type: "service", calls: 60, errors: 3, entries: 0 },
  { id: "mysql", type: "database", calls: 60, errors: 0, entries: 0 },
];
const edges: Array<GraphEdge & { totalMs: number; maxMs: number }> = [
  { parent: "frontend", child: "customer", childType: "service", async: false, calls: 60, errors: 3, p50: 12, p95: 250, p99: 1200, totalMs: 900, maxMs: 1500 },
  { parent: "customer", child: "mysql", childType: "database", async: false, calls: 1, errors: 0, p50: 0.5, p95: 0.5, p99: 0.5, totalMs: 0.5, maxMs: 0.5 },
  { parent: "frontend", child: "notification", childType: "service", async: true, calls: 1, errors: 0, p50: 1, p95: 1, p99: 1, totalMs: 1, maxMs: 1 },
];
const layout = layoutGraph({ nodes, edges }, HOUR);
const node = (id: string) => layout.nodes.find((n) => n.id === id) as (typeof layout.nodes)[number];
const edge = (child: string) => layout.edges.find((e) => e.child === child) as (typeof layout.edges)[number];
const table = (facts: { facts: Array<{ label: string; value: string }> }) => Object.fromEntries(facts.facts.map((f) => [f.label, f.value]));

describe("the map's hover card", () => {
  it("gives a service's calls, rate, errors and the requests it took from outside", () => {
    const facts = rangeNodeFacts(node("frontend"));
    expect(facts).toMatchObject({ title: "frontend", subtitle: "service" });
    expect(table(facts)).toEqual({ "Calls served": "3,600", Rate: "1/s", Errors: "none", "From outside": "3,600" });
  });

  it("says calls made to a database, not calls it served", () => {
    expect(rangeNodeFacts(node("mysql"))).toMatchObject({ subtitle: "database", facts: [{ label: "Calls to it", value: "60" }, { label: "Rate", value: "1/min" }, { label: "Errors", value: "none" }] });
  });

  it("gives an edge's calls, errors with their share, and latency quantiles", () => {
    const facts = rangeEdgeFacts(edge("customer"));
    expect(facts).toMatchObject({ title: "frontend → customer", subtitle: "requests" });
    expect(table(facts)).toEqual({ Calls: "60", Rate: "1/min", Errors: "3 (5%)", p50: "12ms", p95: "250ms", p99: "1.2s" });
    expect(facts.facts.find((f) => f.label === "Errors")?.alarming).toBe(true);
  });

  it("says what kind of callee an edge reaches and whether it carries messages", () => {
    expect(rangeEdgeFacts(edge("mysql")).subtitle).toBe("requests to a database");
    expect(rangeEdgeFacts(edge("notification")).subtitle).toBe("messages");
  });

  it("reads as one sentence for a screen reader", () => {
    expect(spoken(rangeNodeFacts(node("customer")))).toBe("customer, service: Calls served 60, Rate 1/min, Errors 3 (5%)");
  });
});

describe("the trace graph's hover card", () => {
  it("gives a single call its duration", () => {
    expect(table(traceEdgeFacts(edge("mysql")))).toEqual({ Calls: "1", Errors: "none", Duration: "500μs" });
  });

  it("gives repeated calls their total, median and slowest", () => {
    expect(table(traceEdgeFacts(edge("customer")))).toEqual({ Calls: "60", Errors: "3 (5%)", Total: "900ms", Median: "12ms", Slowest: "1.5s" });
  });

  it("marks the service the trace came in through, without a rate", () => {
    expect(table(traceNodeFacts(node("frontend")))).toEqual({ "Calls served": "3,600", Errors: "none", "Trace entry": "3,600" });
    expect(table(traceNodeFacts({ ...node("frontend"), entries: 1 }))["Trace entry"]).toBe("yes");
  });
});
