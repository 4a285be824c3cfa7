import { describe, expect, it } from "vitest";
import type { JaegerSpan, JaegerTrace } from "$jaeger/v1-types";
import type { Micros } from "$model/time";
import { sortSummaries, summarizeTrace, type TraceSummary } from "./summary";

let nextId = 1;
function makeSpan(overrides: Partial<JaegerSpan> & { parent?: string } = {}): JaegerSpan {
  const { parent, ...rest } = overrides;
  const spanID = (nextId++).toString(16).padStart(16, "0");
  return {
    traceID: "t1",
    spanID,
    flags: 1,
    operationName: `op ${spanID}`,
    references: parent ? [{ refType: "CHILD_OF", traceID: "t1", spanID: parent }] : [],
    startTime: 1_000 as Micros,
    duration: 10 as Micros,
    tags: [],
    logs: [],
    processID: "p1",
    warnings: null,
    ...rest,
  };
}

function makeTrace(spans: JaegerSpan[]): JaegerTrace {
  return {
    traceID: "t1",
    spans,
    processes: { p1: { serviceName: "frontend", tags: [] }, p2: { serviceName: "mysql", tags: [] } },
    warnings: null,
  };
}

describe("summarizeTrace", () => {
  //   frontend GET /dispatch  1000 ─────────────── 1500
  //   ├ mysql  SELECT         1100 ── 1200 (error)
  //   └ frontend render       1300 ───── 1600 (ends after its parent)
  it("finds the root, the span extent, errors and services", () => {
    const root = makeSpan({ operationName: "GET /dispatch", startTime: 1_000 as Micros, duration: 500 as Micros });
    const spans = [
      makeSpan({ parent: root.spanID, processID: "p2", operationName: "SELECT", startTime: 1_100 as Micros, duration: 100 as Micros, tags: [{ key: "error", type: "bool", value: true }] }),
      makeSpan({ parent: root.spanID, operationName: "render", startTime: 1_300 as Micros, duration: 300 as Micros }),
      root,
    ];
    expect(summarizeTrace(makeTrace(spans))).toEqual({
      traceID: "t1",
      rootService: "frontend",
      rootOperation: "GET /dispatch",
      hasRoot: true,
      start: 1_000,
      duration: 600,
      spanCount: 3,
      errorCount: 1,
      services: [
        { name: "frontend", spans: 2, errors: 0 },
        { name: "mysql", spans: 1, errors: 1 },
      ],
    });
  });

  it("takes the earliest parentless span when the real root has not arrived", () => {
    const spans = [makeSpan({ parent: "ffffffffffffffff", operationName: "late", startTime: 2_000 as Micros }), makeSpan({ parent: "eeeeeeeeeeeeeeee", operationName: "early", startTime: 1_500 as Micros })];
    expect(summarizeTrace(makeTrace(spans))).toMatchObject({ rootOperation: "early", hasRoot: true, start: 1_500 });
  });

  it("counts the string 'true' as an error too", () => {
    expect(summarizeTrace(makeTrace([makeSpan({ tags: [{ key: "error", type: "string", value: "true" }] })])).errorCount).toBe(1);
  });

  it("survives a trace with no spans", () => {
    expect(summarizeTrace(makeTrace([]))).toMatchObject({ spanCount: 0, duration: 0, rootOperation: "(no spans)", hasRoot: false });
  });
});

describe("sortSummaries", () => {
  const make = (traceID: string, start: number, duration: number, spanCount: number) =>
    ({ traceID, start, duration, spanCount }) as TraceSummary;
  const list = [make("a", 1, 50, 3), make("b", 3, 10, 9), make("c", 2, 90, 9)];
  const order = (key: Parameters<typeof sortSummaries>[1]) => sortSummaries(list, key).map((s) => s.traceID).join("");

  it("orders by recency, duration both ways and span count (ties by recency)", () => {
    expect(order("recent")).toBe("bca");
    expect(order("longest")).toBe("cab");
    expect(order("shortest")).toBe("bac");
    expect(order("spans")).toBe("bca");
  });

  it("leaves its input alone", () => {
    sortSummaries(list, "longest");
    expect(list.map((s) => s.traceID).join("")).toBe("abc");
  });
});
