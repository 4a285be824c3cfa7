import { describe, expect, it } from "vitest";
import { layoutScatter, linearScale, niceMax, timeTicks, type ScatterItem } from "./scatter";

describe("linearScale", () => {
  it("maps the domain onto the range, inverted ranges included", () => {
    const y = linearScale(0, 100, 200, 0);
    expect([y(0), y(50), y(100)]).toEqual([200, 100, 0]);
  });

  it("puts everything in the middle when the domain has no width", () => {
    expect(linearScale(5, 5, 0, 10)(5)).toBe(5);
  });
});

describe("niceMax", () => {
  it("rounds the top of the axis up to a tick", () => {
    expect(niceMax(730_000)).toBe(800_000);
    expect(niceMax(1_000)).toBe(1_000);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(20 * 60e6)).toBe(20 * 60e6);
  });
});

describe("timeTicks", () => {
  it("uses a clock-round step and stays inside the range", () => {
    const min = Date.UTC(2026, 10, 24, 9, 0, 7) * 1000;
    const max = min + 10 * 60e6;
    const { values, step } = timeTicks(min, max, 5);
    expect(step).toBe(5 * 60e6);
    expect(values.length).toBe(2);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(min);
      expect(v).toBeLessThanOrEqual(max);
      expect(v % step).toBe(0);
    }
  });
});

describe("layoutScatter", () => {
  const item = (traceID: string, start: number, duration: number, spanCount = 1, error = false): ScatterItem => ({ traceID, start, duration, spanCount, error });
  const size = { width: 400, height: 200, margin: { top: 10, right: 10, bottom: 20, left: 50 }, formatTime: () => "t" };

  it("places the earliest trace left, the latest right, the longest highest", () => {
    const { plot, points } = layoutScatter([item("a", 1_000_000_000, 100), item("b", 1_060_000_000, 400, 10, true)], size);
    const [a, b] = points;
    expect(plot).toEqual({ left: 50, top: 10, width: 340, height: 170 });
    expect(a?.x).toBeLessThan(b?.x ?? 0);
    expect(a?.x).toBeGreaterThan(plot.left);
    expect(b?.x).toBeLessThan(plot.left + plot.width);
    expect(b?.y).toBe(plot.top); // 400 is the axis top (a nice number)
    expect(a?.y).toBe(plot.top + plot.height * 0.75);
    expect(b?.r).toBeGreaterThan(a?.r ?? 0);
    expect(b?.error).toBe(true);
  });

  it("labels the duration axis with its units, zeros kept", () => {
    // Traces of up to 1 ms: the middle tick is 500 µs (it once read "5μs").
    const short = layoutScatter([item("a", 1_000_000_000, 120), item("b", 1_060_000_000, 1_000)], size);
    expect(short.yTicks.map((t) => t.label)).toEqual(["0", "500μs", "1ms"]);
    const sub = layoutScatter([item("a", 1_000_000_000, 7), item("b", 1_060_000_000, 730)], size);
    expect(sub.yTicks.map((t) => t.label)).toEqual(["0", "200μs", "400μs", "600μs", "800μs"]);
    const long = layoutScatter([item("a", 1_000_000_000, 2_500_000), item("b", 1_060_000_000, 90_000_000)], size);
    expect(long.yTicks.map((t) => t.label)).toEqual(["0", "30s", "1m", "1m 30s"]);
    // Ticks run bottom (0) to top (the axis maximum).
    expect(short.yTicks[0]?.pos).toBe(short.plot.top + short.plot.height);
    expect(short.yTicks[2]?.pos).toBe(short.plot.top);
  });

  it("centres a lone trace", () => {
    const { points, plot } = layoutScatter([item("a", 5e15, 20)], size);
    expect(points[0]?.x).toBe(plot.left + plot.width / 2);
  });

  it("draws nothing without traces", () => {
    expect(layoutScatter([], size)).toMatchObject({ points: [], xTicks: [], yTicks: [] });
  });
});
