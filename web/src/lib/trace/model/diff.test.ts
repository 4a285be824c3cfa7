import { describe, expect, it } from "vitest";
import { diffTraces } from "./diff";
import { normalizeTrace } from "./normalize";
import { makeTrace, type SpanSpec } from "./testing/builders";

/**
 *   A (before)                          B (after)
 *   frontend GET /dispatch 100ms        frontend GET /dispatch 160ms
 *   ├ route GET /route 20ms             ├ route GET /route 20ms        same
 *   ├ route GET /route 20ms             ├ route GET /route 60ms        changed (+40ms)
 *   ├ customer GET /customer 30ms       │                              missing
 *   │ └ mysql SELECT 25ms               │                              missing (under its parent)
 *   │                                   └ cache GET 1ms                added
 */
const ms = 1_000;
const before: SpanSpec[] = [
  { id: "a0", service: "frontend", op: "GET /dispatch", start: 0, duration: 100 * ms },
  { id: "a1", parent: "a0", service: "route", op: "GET /route", start: 1 * ms, duration: 20 * ms },
  { id: "a2", parent: "a0", service: "route", op: "GET /route", start: 30 * ms, duration: 20 * ms },
  { id: "a3", parent: "a0", service: "customer", op: "GET /customer", start: 60 * ms, duration: 30 * ms },
  { id: "a4", parent: "a3", service: "mysql", op: "SELECT", start: 61 * ms, duration: 25 * ms },
];
const after: SpanSpec[] = [
  { id: "b0", service: "frontend", op: "GET /dispatch", start: 0, duration: 160 * ms },
  { id: "b1", parent: "b0", service: "route", op: "GET /route", start: 1 * ms, duration: 20 * ms },
  { id: "b2", parent: "b0", service: "route", op: "GET /route", start: 30 * ms, duration: 60 * ms },
  { id: "b3", parent: "b0", service: "cache", op: "GET", start: 95 * ms, duration: 1 * ms },
];

describe("diffTraces", () => {
  it("matches spans by path and occurrence and reports added, missing and changed", () => {
    const diff = diffTraces(normalizeTrace(makeTrace(before)), normalizeTrace(makeTrace(after)));
    expect(diff.rows.map((r) => `${"  ".repeat(r.depth)}${r.operation} ${r.status}`)).toEqual([
      "GET /dispatch changed",
      "  GET /route same",
      "  GET /route changed",
      "  GET /customer missing",
      "    SELECT missing",
      "  GET added",
    ]);
    expect(diff.counts).toEqual({ same: 1, changed: 2, added: 1, missing: 2 });
    expect(diff.durationDelta).toBe(60 * ms);
  });

  it("reports deltas and ratios for matched spans", () => {
    const diff = diffTraces(normalizeTrace(makeTrace(before)), normalizeTrace(makeTrace(after)));
    const route = diff.rows[2];
    expect(route).toMatchObject({ a: 2, b: 2, durationA: 20 * ms, durationB: 60 * ms, delta: 40 * ms, ratio: 2 });
    expect(diff.rows[5]).toMatchObject({ a: -1, b: 3, delta: null });
  });

  it("lists a subtree's root as the change and marks spans below it as following it", () => {
    const diff = diffTraces(normalizeTrace(makeTrace(before)), normalizeTrace(makeTrace(after)));
    expect(diff.changes.map((r) => `${r.operation} ${r.status}`)).toEqual(["GET /dispatch changed", "GET /route changed", "GET /customer missing", "GET added"]);
    expect(diff.rows[4]?.underChange).toBe(true);
  });

  it("ignores changes under the noise thresholds", () => {
    const a = normalizeTrace(makeTrace([{ id: "x", start: 0, duration: 10_000 }]));
    const b = normalizeTrace(makeTrace([{ id: "x", start: 0, duration: 10_900 }]));
    expect(diffTraces(a, b).rows[0]?.status).toBe("same");
    expect(diffTraces(a, b, { minRatio: 0.05, minDelta: 500 }).rows[0]?.status).toBe("changed");
  });

  it("finds nothing to report between a trace and itself", () => {
    const a = normalizeTrace(makeTrace(before));
    const diff = diffTraces(a, a);
    expect(diff.changes).toEqual([]);
    expect(diff.rows.length).toBe(5);
  });
});
