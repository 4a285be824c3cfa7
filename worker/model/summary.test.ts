import { describe, expect, it } from "vitest";
import { micros } from "./time";
import { rootOf, summarize, type SpanDigest } from "./summary";

function makeSpan(overrides: Partial<SpanDigest>): SpanDigest {
  return { spanId: "a", parentSpanId: "", name: "op", service: "svc", startUs: micros(100), endUs: micros(200), error: false, ...overrides };
}

describe("trace summaries", () => {
  //   frontend GET /dispatch (root, 100–400)
  //   ├─ customer GET /customer (150–250, error)
  //   └─ driver FindNearest (260–390)
  const spans = [
    makeSpan({ spanId: "c", parentSpanId: "r", service: "customer", name: "GET /customer", startUs: micros(150), endUs: micros(250), error: true }),
    makeSpan({ spanId: "r", service: "frontend", name: "GET /dispatch", startUs: micros(100), endUs: micros(400) }),
    makeSpan({ spanId: "d", parentSpanId: "r", service: "driver", name: "FindNearest", startUs: micros(260), endUs: micros(390) }),
  ];

  it("names the trace after its root and spans the earliest start to the latest end", () => {
    expect(summarize("t1", spans)).toEqual({
      traceId: "t1",
      startUs: 100,
      durationUs: 300,
      rootService: "frontend",
      rootOperation: "GET /dispatch",
      spanCount: 3,
      errorCount: 1,
      services: ["customer", "driver", "frontend"],
      operations: ["customer\tGET /customer", "driver\tFindNearest", "frontend\tGET /dispatch"],
    });
  });

  it("falls back to the earliest orphan when the root has not arrived", () => {
    const orphans = spans.filter((s) => s.spanId !== "r");
    expect(rootOf(orphans)?.spanId).toBe("c");
  });

  it("prefers a true root over an earlier orphan", () => {
    const early = makeSpan({ spanId: "o", parentSpanId: "missing", startUs: micros(1) });
    expect(rootOf([...spans, early])?.spanId).toBe("r");
  });
});
