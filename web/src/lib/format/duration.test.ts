import { describe, expect, it } from "vitest";
import { durationTicks, formatDuration, formatDurationTick, parseGoDuration } from "./duration";

describe("parseGoDuration", () => {
  it.each([
    ["100ms", 100_000],
    ["1.5s", 1_500_000],
    ["4500ns", 4.5],
    ["1m30s", 90_000_000],
    ["2h", 7_200_000_000],
    ["250us", 250],
    ["250µs", 250],
    ["250μs", 250],
    [".5ms", 500],
    ["0", 0],
    [" 3s ", 3_000_000],
  ])("reads %s as %d µs", (text, expected) => {
    expect(parseGoDuration(text)).toBe(expected);
  });

  it.each(["", "5", "ms", "-1s", "1d", "1 s", "1.2.3s", "10sec"])("refuses %j", (text) => {
    expect(parseGoDuration(text)).toBeNull();
  });
});

describe("formatDuration", () => {
  it.each([
    // Microseconds: whole numbers, zeros kept (500 was once "5μs", 100 "1μs").
    [0, "0μs"],
    [1, "1μs"],
    [10, "10μs"],
    [100, "100μs"],
    [500, "500μs"],
    [812, "812μs"],
    [999, "999μs"],
    [999.4, "999μs"],
    // Sub-µs values only come from nanosecond-precise files.
    [0.5, "0.5μs"],
    [0.001, "0.001μs"],
    // Milliseconds, up to two decimals; what rounds to 1000 µs is 1ms, not "1000μs".
    [999.6, "1ms"],
    [1_000, "1ms"],
    [1_500, "1.5ms"],
    [1_005, "1.01ms"],
    [10_000, "10ms"],
    [12_345, "12.35ms"],
    [100_000, "100ms"],
    [999_994, "999.99ms"],
    [999_996, "1s"],
    // Seconds, up to two decimals, below a minute.
    [1_000_000, "1s"],
    [1_240_000, "1.24s"],
    [10_000_000, "10s"],
    [59_900_000, "59.9s"],
    [59_990_000, "59.99s"],
    [59_996_000, "1m"],
    // Then two clock units, rounded at the smaller one.
    [60_000_000, "1m"],
    [90_000_000, "1m 30s"],
    [120_000_000, "2m"],
    [123_000_000, "2m 3s"],
    [3_599_400_000, "59m 59s"],
    [3_599_600_000, "1h"],
    [3_600_000_000, "1h"],
    [3_720_000_000, "1h 2m"],
    [3_750_000_000, "1h 3m"],
    [7_200_000_000, "2h"],
    [86_400_000_000, "1d"],
    [97_200_000_000, "1d 3h"],
  ])("writes %d µs as %s", (us, expected) => {
    expect(formatDuration(us)).toBe(expected);
  });

  it("writes a dash for nonsense", () => {
    expect(formatDuration(-1)).toBe("–");
    expect(formatDuration(Number.NaN)).toBe("–");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("–");
  });
});

/** The labels of an axis over [from, to] µs with at most `max` steps. */
const axis = (from: number, to: number, max: number) => {
  const { values, step } = durationTicks(from, to, max);
  return values.map((v) => formatDurationTick(v, step));
};

describe("durationTicks", () => {
  it("steps by 1, 2 or 5 × 10ⁿ µs within the tick budget, first tick at or after the start", () => {
    expect(durationTicks(0, 1_000, 5)).toEqual({ values: [0, 200, 400, 600, 800, 1_000], step: 200 });
    expect(durationTicks(130, 480, 4)).toEqual({ values: [200, 300, 400], step: 100 });
    expect(durationTicks(0, 1.2e6, 4).values).toEqual([0, 500_000, 1_000_000]);
    expect(durationTicks(0, 0.3, 3).values).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it("keeps float dust out of the values", () => {
    const { values } = durationTicks(0, 0.7, 7);
    expect(values).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it("rules long traces at round clock steps, not at 1m 40s", () => {
    expect(durationTicks(0, 10 * 60e6, 5)).toEqual({ values: [0, 2, 4, 6, 8, 10].map((m) => m * 60e6), step: 2 * 60e6 });
    expect(durationTicks(0, 100e6, 6).step).toBe(30e6);
    expect(durationTicks(0, 3 * 86_400e6, 2).step).toBe(2 * 86_400e6);
  });

  it("degrades to one tick for an empty or nonsensical range", () => {
    expect(durationTicks(5, 5, 4).values).toEqual([5]);
    expect(durationTicks(5, 1, 4).values).toEqual([5]);
    expect(durationTicks(0, 10, 0).values).toEqual([0]);
  });
});

describe("formatDurationTick", () => {
  it("labels an axis from 0 to 1 ms in µs, then 1ms (never 5μs half way)", () => {
    expect(axis(0, 1_000, 5)).toEqual(["0", "200μs", "400μs", "600μs", "800μs", "1ms"]);
    expect(axis(0, 1_000, 2)).toEqual(["0", "500μs", "1ms"]);
  });

  it("labels axes of a few µs, and below one", () => {
    expect(axis(0, 10, 5)).toEqual(["0", "2μs", "4μs", "6μs", "8μs", "10μs"]);
    expect(axis(0, 1, 2)).toEqual(["0", "0.5μs", "1μs"]);
  });

  it("gives ticks as many decimals as their step needs", () => {
    expect(axis(0, 2_500, 5)).toEqual(["0", "500μs", "1ms", "1.5ms", "2ms", "2.5ms"]);
    expect(axis(0, 10_000, 4)).toEqual(["0", "5ms", "10ms"]);
    expect(axis(0, 1e6, 4)).toEqual(["0", "500ms", "1s"]);
    expect(axis(0, 1e6, 10)).toEqual(["0", "100ms", "200ms", "300ms", "400ms", "500ms", "600ms", "700ms", "800ms", "900ms", "1s"]);
    expect(axis(0, 2e6, 4)).toEqual(["0", "500ms", "1s", "1.5s", "2s"]);
    expect(axis(0, 60e6, 6)).toEqual(["0", "10s", "20s", "30s", "40s", "50s", "1m"]);
  });

  it("tells neighbouring ticks apart on a ruler zoomed far into a long trace", () => {
    // 1 ms of a trace, 1 s after its start: every label differs, none reads just "1s".
    const labels = axis(1_000_000, 1_001_000, 5);
    expect(labels).toEqual(["1s", "1.0002s", "1.0004s", "1.0006s", "1.0008s", "1.001s"]);
    expect(new Set(labels).size).toBe(labels.length);
    expect(axis(90e6, 91e6, 2)).toEqual(["1m 30s", "1m 30.5s", "1m 31s"]);
  });

  it("writes clock units past a minute, zeros inside kept", () => {
    expect(axis(0, 10 * 60e6, 5)).toEqual(["0", "2m", "4m", "6m", "8m", "10m"]);
    expect(axis(0, 3 * 60e6, 6)).toEqual(["0", "30s", "1m", "1m 30s", "2m", "2m 30s", "3m"]);
    expect(axis(0, 3 * 3_600e6, 6)).toEqual(["0", "30m", "1h", "1h 30m", "2h", "2h 30m", "3h"]);
    expect(formatDurationTick(3_610e6, 10e6)).toBe("1h 0m 10s");
    expect(formatDurationTick(86_400e6 + 3_600e6, 3_600e6)).toBe("1d 1h");
  });

  it("is the unit formatDuration picks for the same value", () => {
    for (const us of [1, 10, 100, 500, 999, 1_000, 1_500, 10_000, 1e6, 1.5e6, 59e6, 60e6, 90e6, 3_600e6]) {
      expect(formatDurationTick(us, us)).toBe(formatDuration(us));
    }
  });
});
