/**
 * The whole model over a 10,000-span trace, the size the view must stay smooth at. How fast it
 * runs is measured by the trace-view benchmark (`npm run bench`), not asserted here: a timed test
 * on a shared machine fails on load, not on code.
 */
import { describe, expect, it } from "vitest";
import { criticalPath } from "$model/critical-path";
import { findSpans } from "./find";
import { flamegraph } from "./flamegraph";
import { normalizeTrace } from "./normalize";
import { visibleRows } from "./rows";
import { traceStatistics } from "./stats";
import { syntheticJaeger, syntheticSpans } from "./testing/synthetic";

describe("a 10,000-span trace", () => {
  const raw = syntheticJaeger({ spans: 10_000, seed: 7 });

  it("is deep and wide", () => {
    const trace = normalizeTrace(raw);
    expect(trace.spans).toHaveLength(10_000);
    expect(trace.maxDepth).toBeGreaterThan(40);
    expect(Math.max(...trace.spans.map((s) => s.children.length))).toBeGreaterThan(40);
    expect(trace.services.length).toBeGreaterThan(10);
  });

  it("is generated the same way for the same seed", () => {
    expect(syntheticSpans({ spans: 500, seed: 3, startMicros: 0 })).toEqual(syntheticSpans({ spans: 500, seed: 3, startMicros: 0 }));
  });

  it("is normalised, laid out, analysed and searched whole", () => {
    const trace = normalizeTrace(raw);
    const rows = visibleRows(trace, new Set());
    expect(rows.length).toBe(10_000);
    const path = criticalPath(trace);
    expect(path.length).toBeGreaterThan(0);
    const stats = traceStatistics(trace, "operation");
    expect(stats.length).toBeGreaterThan(0);
    expect(flamegraph(trace)).toBeTruthy();
    expect(findSpans(trace, "postgres")?.length).toBeGreaterThan(0);
    expect(findSpans(trace, "db.system=redis")?.length).toBeGreaterThan(0);
  });
});
