import { describe, expect, it } from "vitest";
import type { SeriesPoint } from "./api";
import { chartColumns, hasCalls, latencyTicks, summarize } from "./series";

function makePoint(overrides: Partial<SeriesPoint> & { t: number }): SeriesPoint {
  return { calls: 0, rate: 0, errors: 0, errorRate: 0, p50: 0, p95: 0, p99: 0, ...overrides };
}

describe("chartColumns", () => {
  const points = [
    makePoint({ t: 60_000, calls: 30, rate: 0.5, errors: 3, errorRate: 0.1, p50: 10, p95: 20, p99: 40 }),
    makePoint({ t: 120_000 }),
    makePoint({ t: 180_000, calls: 6, rate: 0.1, errors: 6, errorRate: 1, p50: 0, p95: 0, p99: 0 }),
  ];

  it("gives uPlot seconds and the rate in the unit its peak reads best in", () => {
    const columns = chartColumns(points);
    expect(columns.time).toEqual([60, 120, 180]);
    expect(columns.unit.suffix).toBe("/min");
    expect(columns.rate).toEqual([30, 0, 6]);
  });

  it("leaves a gap in error rate and latency where nothing was called, not a zero", () => {
    const columns = chartColumns(points);
    expect(columns.errorPercent).toEqual([10, null, 100]);
    expect(columns.p95).toEqual([20, null, 0]);
  });

  it("keeps a real zero latency of a step that had calls", () => {
    expect(chartColumns(points).p50[2]).toBe(0);
  });

  it("handles an empty series", () => {
    const columns = chartColumns([]);
    expect(columns.time).toEqual([]);
    expect(columns.unit.suffix).toBe("/s");
    expect(hasCalls([])).toBe(false);
  });

  it("knows whether anything was called", () => {
    expect(hasCalls(points)).toBe(true);
    expect(hasCalls([makePoint({ t: 0 })])).toBe(false);
  });
});

describe("latencyTicks", () => {
  it("puts ticks on round durations", () => {
    expect(latencyTicks(0, 1700, 4)).toEqual({ values: [0, 500, 1000, 1500], stepMs: 500 });
  });

  it("still gives an axis when every latency is zero or missing", () => {
    expect(latencyTicks(0, 0, 4).values[0]).toBe(0);
    expect(latencyTicks(Number.NaN, Number.NaN, 4).values.length).toBeGreaterThan(0);
  });
});

describe("summarize", () => {
  it("totals the range and averages its rate over the whole range", () => {
    const points = [
      makePoint({ t: 0, calls: 30, errors: 3, p95: 20 }),
      makePoint({ t: 60_000 }),
      makePoint({ t: 120_000, calls: 90, errors: 0, p95: 45 }),
    ];
    expect(summarize(points, 10 * 60_000)).toEqual({ calls: 120, errors: 3, rate: 0.2, errorRate: 0.025, peakP95: 45 });
  });

  it("has no error rate or latency without calls", () => {
    expect(summarize([makePoint({ t: 0 })], 60_000)).toEqual({ calls: 0, errors: 0, rate: 0, errorRate: null, peakP95: null });
  });
});
