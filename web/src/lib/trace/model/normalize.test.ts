import { describe, expect, it } from "vitest";
import { ancestorsOf, normalizeTrace, rootSpan } from "./normalize";
import { makeTrace, tag } from "./testing/builders";

/**
 *   0        50        100       150
 *   a frontend GET /dispatch ─────────────────  [0, 150]
 *   ├ b frontend GET /customer ────             [10, 60]
 *   │ └ c customer SELECT ──                    [20, 50]  error
 *   └ d driver FindNearest        ───────       [70, 140]
 *     ├ e redis GET    ──                       [80, 100]
 *     └ f redis GET       ──                    [90, 130]  (overlaps e)
 */
const dispatch = () =>
  makeTrace([
    // Out of order on purpose: the model orders by tree, then start time.
    { id: "d", parent: "a", service: "driver", op: "FindNearest", start: 70, duration: 70, kind: "server" },
    { id: "a", service: "frontend", op: "GET /dispatch", start: 0, duration: 150, kind: "server" },
    { id: "f", parent: "d", service: "redis", op: "GET", start: 90, duration: 40 },
    { id: "c", parent: "b", service: "customer", op: "SELECT", start: 20, duration: 30, error: true, tags: { "otel.status_description": "deadlock" } },
    { id: "b", parent: "a", service: "frontend", op: "GET /customer", start: 10, duration: 50, kind: "client" },
    { id: "e", parent: "d", service: "redis", op: "GET", start: 80, duration: 20 },
  ]);

describe("normalizeTrace", () => {
  it("orders spans depth-first with children by start time", () => {
    const trace = normalizeTrace(dispatch());
    expect(trace.spans.map((s) => s.spanId)).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(trace.spans.map((s) => s.depth)).toEqual([0, 1, 2, 1, 2, 2]);
  });

  it("links parents and children by index and sizes each subtree", () => {
    const trace = normalizeTrace(dispatch());
    const [a, b, , d] = trace.spans;
    expect(a?.children).toEqual([1, 3]);
    expect(d?.children).toEqual([4, 5]);
    expect(trace.spans.map((s) => s.parent)).toEqual([-1, 0, 1, 0, 3, 3]);
    expect(trace.spans.map((s) => s.subtreeSize)).toEqual([6, 2, 1, 3, 1, 1]);
    expect(b?.parentRefType).toBe("CHILD_OF");
  });

  it("computes self time as duration minus the union of its children", () => {
    const trace = normalizeTrace(dispatch());
    // a: 150 − (b 50 + d 70); d: 70 − union([80,100],[90,130]) = 70 − 50.
    expect(trace.spans.map((s) => s.selfTime)).toEqual([30, 20, 30, 20, 20, 40]);
  });

  it("summarises the trace: bounds, services by span count, depth and errors", () => {
    const trace = normalizeTrace(dispatch());
    expect(trace.duration).toBe(150);
    expect(trace.spans.map((s) => s.offset)).toEqual([0, 10, 20, 70, 80, 90]);
    expect(trace.services.map((s) => [s.name, s.spanCount, s.errorCount])).toEqual([
      ["frontend", 2, 0],
      ["redis", 2, 0],
      // Ties keep timeline order: customer's span comes before driver's.
      ["customer", 1, 1],
      ["driver", 1, 0],
    ]);
    expect(trace.spans.find((s) => s.spanId === "e")?.serviceIndex).toBe(1);
    expect(trace.spans.find((s) => s.spanId === "d")?.serviceIndex).toBe(3);
    expect(trace.maxDepth).toBe(2);
    expect(trace.errorCount).toBe(1);
    expect(rootSpan(trace)?.operation).toBe("GET /dispatch");
  });

  it("lifts kind, status and scope out of the tags and keeps the rest", () => {
    const raw = makeTrace([{ id: "a", kind: "server", error: true, tags: { "otel.status_description": "boom", "otel.scope.name": "http", "otel.scope.version": "1.2", "http.route": "/x" } }]);
    const [a] = normalizeTrace(raw).spans;
    expect(a).toMatchObject({ kind: "server", status: "ERROR", statusMessage: "boom", scopeName: "http", scopeVersion: "1.2", error: true });
    expect(a?.tags.map((t) => t.key)).toEqual(["http.route", "error"]);
    expect(a?.processTags).toEqual([tag("host.name", "svc-1")]);
  });

  it("treats the string error=\"true\" of older Jaeger clients as an error", () => {
    const [a] = normalizeTrace(makeTrace([{ id: "a", tags: { error: "true" } }])).spans;
    expect(a?.error).toBe(true);
    expect(a?.status).toBe("ERROR");
  });

  /**
   *   a            (root)
   *   └ b          (parent a)
   *   x            (parent "gone" — not in the trace)
   *   └ y
   */
  it("shows a span whose parent is missing as an orphan root, after the true roots", () => {
    const trace = normalizeTrace(
      makeTrace([
        { id: "x", parent: "gone", start: 0, duration: 5 },
        { id: "y", parent: "x", start: 1, duration: 2 },
        { id: "a", start: 3, duration: 10 },
        { id: "b", parent: "a", start: 4, duration: 1 },
      ]),
    );
    expect(trace.spans.map((s) => s.spanId)).toEqual(["a", "b", "x", "y"]);
    expect(trace.roots).toEqual([0, 2]);
    expect(trace.spans[2]).toMatchObject({ orphan: true, parentSpanId: "gone", parent: -1, depth: 0 });
    expect(trace.orphanCount).toBe(1);
    expect(trace.warnings.join()).toMatch(/1 span name a parent that is not in the trace/);
  });

  it("follows a FOLLOWS_FROM reference inside the trace but not a link to another trace", () => {
    const trace = normalizeTrace(
      makeTrace([
        { id: "a", start: 0, duration: 10 },
        { id: "b", parent: "a", refType: "FOLLOWS_FROM", start: 12, duration: 3 },
        { id: "c", start: 20, duration: 3, links: [{ spanId: "elsewhere", traceId: "ffffffffffffffffffffffffffffffff" }] },
      ]),
    );
    expect(trace.spans.map((s) => [s.spanId, s.depth, s.parentRefType])).toEqual([
      ["a", 0, null],
      ["b", 1, "FOLLOWS_FROM"],
      ["c", 0, null],
    ]);
    expect(trace.orphanCount).toBe(0);
  });

  /**
   *   r
   *   p ⇄ q   (p's parent is q, q's parent is p)
   *   └ s     (child of q)
   */
  it("cuts a reference cycle at its earliest span instead of losing the spans", () => {
    const trace = normalizeTrace(
      makeTrace([
        { id: "r", start: 0, duration: 1 },
        { id: "q", parent: "p", start: 6, duration: 1 },
        { id: "p", parent: "q", start: 5, duration: 3 },
        { id: "s", parent: "q", start: 7, duration: 0 },
      ]),
    );
    expect(trace.spans.map((s) => `${s.spanId}@${s.depth}`)).toEqual(["r@0", "p@0", "q@1", "s@2"]);
    expect(trace.warnings.join()).toMatch(/1 reference cycle cut/);
  });

  it("keeps spans that share an id and warns about them", () => {
    const trace = normalizeTrace(
      makeTrace([
        { id: "a", start: 0, duration: 10 },
        { id: "a", start: 1, duration: 5 },
      ]),
    );
    expect(trace.spans).toHaveLength(2);
    expect(trace.warnings.join()).toMatch(/1 span share a span id/);
  });

  it("treats a 16-digit trace id and its zero-padded 32-digit form as the same trace", () => {
    const raw = makeTrace([{ id: "a" }, { id: "b", parent: "a" }], { traceId: "d269b633813fc60c" });
    const b = raw.spans[1];
    if (b?.references[0]) b.references[0].traceID = "0000000000000000d269b633813fc60c";
    expect(normalizeTrace(raw).spans[1]?.depth).toBe(1);
  });

  it("walks a chain 20,000 spans deep without overflowing the stack", () => {
    const specs = Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, parent: i ? `s${i - 1}` : undefined, start: i, duration: 20_000 - i }));
    const trace = normalizeTrace(makeTrace(specs));
    expect(trace.maxDepth).toBe(19_999);
    expect(trace.spans[0]?.subtreeSize).toBe(20_000);
  });

  it("lists ancestors nearest first", () => {
    const trace = normalizeTrace(dispatch());
    expect(ancestorsOf(trace, 5)).toEqual([3, 0]);
    expect(ancestorsOf(trace, 0)).toEqual([]);
  });

  it("copes with an empty trace", () => {
    const trace = normalizeTrace({ traceID: "x", spans: [], processes: {}, warnings: null });
    expect(trace.duration).toBe(0);
    expect(rootSpan(trace)).toBeUndefined();
  });
});
