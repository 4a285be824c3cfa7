/**
 * Budgets for a 10,000-span trace, the size the view must stay smooth at. The whole model runs on
 * the main thread before the first rows paint, so together it has to fit well inside the 1.5 s
 * time-to-interactive target; these bounds are loose enough for a slow CI machine.
 */
import { describe, expect, it } from "vitest";
import { criticalPath } from "./critical-path";
import { findSpans } from "./find";
import { flamegraph } from "./flamegraph";
import { normalizeTrace } from "./normalize";
import { visibleRows } from "./rows";
import { traceStatistics } from "./stats";
import { syntheticJaeger, syntheticSpans } from "./testing/synthetic";

const time = (f: () => void) => {
  const started = performance.now();
  f();
  return performance.now() - started;
};

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

  it("is normalised, laid out and analysed within budget", () => {
    normalizeTrace(raw); // warm the JIT
    let trace = normalizeTrace(raw);
    const timings = {
      normalize: time(() => (trace = normalizeTrace(raw))),
      rows: time(() => visibleRows(trace, new Set())),
      criticalPath: time(() => criticalPath(trace)),
      statistics: time(() => traceStatistics(trace, "operation")),
      flamegraph: time(() => flamegraph(trace)),
      firstFind: time(() => findSpans(trace, "postgres")),
      nextFind: time(() => findSpans(trace, "db.system=redis")),
    };
    console.log("10k-span model timings (ms):", Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10])));
    expect(timings.normalize + timings.rows + timings.criticalPath).toBeLessThan(250);
    expect(timings.nextFind).toBeLessThan(50);
  });
});
