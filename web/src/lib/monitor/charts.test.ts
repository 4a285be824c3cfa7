import type uPlot from "uplot";
import { describe, expect, it } from "vitest";
import type { SeriesPoint } from "./api";
import { axisNumber, chartData, chartOptions, drawnValues, lonePoints, withAlpha, type ChartPalette } from "./charts";
import { chartColumns } from "./series";

function makePoint(overrides: Partial<SeriesPoint> & { t: number }): SeriesPoint {
  return { calls: 0, rate: 0, errors: 0, errorRate: 0, p50: 0, p95: 0, p99: 0, ...overrides };
}

const palette: ChartPalette = {
  text: "rgb(22, 25, 31)",
  muted: "rgb(91, 100, 114)",
  grid: "rgb(221, 225, 231)",
  accent: "rgb(37, 99, 235)",
  danger: "rgb(198, 40, 40)",
  warn: "rgb(161, 92, 0)",
  fontFamily: "system-ui",
};
const size = { width: 600, height: 200 };

// Three one-minute steps: busy with some errors, idle, slow and failing.
const columns = chartColumns([
  makePoint({ t: 60_000, calls: 120, rate: 2, errors: 6, errorRate: 0.05, p50: 12, p95: 40, p99: 95.5 }),
  makePoint({ t: 120_000 }),
  makePoint({ t: 180_000, calls: 30, rate: 0.5, errors: 30, errorRate: 1, p50: 800, p95: 1500, p99: 2100 }),
]);

/** What uPlot would call a series' legend value with, at step `idx`. */
function legend(options: uPlot.Options, seriesIdx: number, idx: number | null): string {
  const value = options.series[seriesIdx]?.value;
  if (typeof value !== "function") throw new Error("no value formatter");
  return String(value({} as uPlot, 0, seriesIdx, idx));
}

function axisLabels(options: uPlot.Options, splits: number[]): string[] {
  const values = options.axes?.[1]?.values;
  if (typeof values !== "function") throw new Error("no axis formatter");
  return values({} as uPlot, splits, 1, 0, 0).map(String);
}

describe("chart data", () => {
  it("gives each chart its columns, time first", () => {
    expect(chartData("rate", columns)).toEqual([[60, 120, 180], [2, 0, 0.5]]);
    expect(chartData("errors", columns)).toEqual([[60, 120, 180], [5, null, 100]]);
    expect(chartData("latency", columns)).toHaveLength(4);
  });

  it("counts the values drawn, not the gaps", () => {
    expect(drawnValues(chartData("errors", columns))).toBe(2);
    expect(drawnValues(chartData("latency", columns))).toBe(6);
    expect(drawnValues(chartData("rate", chartColumns([])))).toBe(0);
  });
});

describe("legend values under the pointer", () => {
  it("shows the exact rate and the calls of the step", () => {
    expect(legend(chartOptions("rate", columns, palette, size), 1, 0)).toBe("2/s (120 calls)");
    expect(legend(chartOptions("rate", columns, palette, size), 1, null)).toBe("–");
  });

  it("shows errors as a share and a count, and says when nothing was called", () => {
    const options = chartOptions("errors", columns, palette, size);
    expect(legend(options, 1, 0)).toBe("5% (6 of 120)");
    expect(legend(options, 1, 1)).toBe("no calls");
    expect(legend(options, 1, 2)).toBe("100% (30 of 30)");
  });

  it("shows each latency with the app's duration formatter", () => {
    const options = chartOptions("latency", columns, palette, size);
    expect(options.series.map((s) => s.label)).toEqual([undefined, "p50", "p95", "p99"]);
    expect([1, 2, 3].map((i) => legend(options, i, 0))).toEqual(["12ms", "40ms", "95.5ms"]);
    expect(legend(options, 3, 2)).toBe("2.1s");
    expect(legend(options, 2, 1)).toBe("–");
  });
});

describe("axes", () => {
  it("labels latency on round durations with the step's decimals", () => {
    const options = chartOptions("latency", columns, palette, size);
    const splits = options.axes?.[1]?.splits;
    if (typeof splits !== "function") throw new Error("no splits");
    expect(splits({} as uPlot, 1, 0, 2352, 0, 0)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(axisLabels(options, [0, 500, 1000, 1500, 2000])).toEqual(["0", "500ms", "1s", "1.5s", "2s"]);
    expect(axisLabels(options, [0, 0.25, 0.5])).toEqual(["0", "250μs", "500μs"]);
  });

  it("labels rates in the unit the peak reads best in, and errors in percent", () => {
    const slow = chartColumns([makePoint({ t: 0, calls: 3, rate: 0.05 })]);
    expect(axisLabels(chartOptions("rate", slow, palette, size), [0, 1.5, 3])).toEqual(["0/min", "1.5/min", "3/min"]);
    expect(axisLabels(chartOptions("errors", columns, palette, size), [0, 12.5, 25])).toEqual(["0%", "12.5%", "25%"]);
  });

  it("starts every scale at zero and keeps an error scale within 100%", () => {
    const range = (kind: "rate" | "errors", max: number) => {
      const r = chartOptions(kind, columns, palette, size).scales?.y?.range;
      if (typeof r !== "function") throw new Error("no range");
      return r({} as uPlot, 0, max, "y");
    };
    const [low, high] = range("rate", 10);
    expect(low).toBe(0);
    expect(high).toBeCloseTo(11.2);
    expect(range("errors", 100)).toEqual([0, 100]);
    expect(range("rate", 0)).toEqual([0, 1]);
    expect(range("rate", Number.NaN)).toEqual([0, 1]);
  });

  it("shortens big axis numbers", () => {
    expect([0.25, 12, 1500, 12_000].map(axisNumber)).toEqual(["0.25", "12", "1.5k", "12k"]);
  });
});

describe("lonePoints", () => {
  it("finds the values a line cannot draw: none on either side", () => {
    expect(lonePoints([5, null, 3, null, null, 4, 4, null, 1])).toEqual([0, 2, 8]);
    expect(lonePoints([1, 2, 3])).toEqual([]);
    expect(lonePoints([])).toEqual([]);
  });
});

describe("withAlpha", () => {
  it("makes a translucent fill from a resolved colour", () => {
    expect(withAlpha("rgb(37, 99, 235)", 0.14)).toBe("rgba(37, 99, 235, 0.14)");
    expect(withAlpha("rgba(37, 99, 235, 1)", 0.5)).toBe("rgba(37, 99, 235, 0.5)");
    expect(withAlpha("rgb(37 99 235)", 0.5)).toBe("rgba(37, 99, 235, 0.5)");
    expect(withAlpha("oklch(0.6 0.2 250)", 0.5)).toBe("oklch(0.6 0.2 250)");
  });
});
