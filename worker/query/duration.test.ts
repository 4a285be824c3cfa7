import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration, parseLookback } from "./duration";

describe("Go durations", () => {
  it.each([
    ["100ms", 100e6],
    ["1.2s", 1.2e9],
    ["4500ns", 4500],
    ["1h30m", 5400e9],
    ["2us", 2000],
    ["2µs", 2000],
    ["2μs", 2000],
    [".5s", 0.5e9],
    ["1m0.5s", 60.5e9],
    ["0", 0],
  ])("reads %s as %d ns", (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it.each(["", "10", "1x", "ms", "1.2.3s", "1d", "1 s", "s1"])("refuses %j", (text) => {
    expect(() => parseGoDuration(text)).toThrow(RangeError);
  });

  it("takes days only as a lookback, as Jaeger UI sends them", () => {
    expect(parseLookback("2d")).toBe(2 * 86_400e9);
    expect(parseLookback("custom")).toBeNull();
    expect(() => parseGoDuration("2d")).toThrow();
  });

  it("prints durations the way Go does in its warnings", () => {
    expect(formatGoDuration(1_500_000)).toBe("1.5ms");
    expect(formatGoDuration(-250)).toBe("-250ns");
    expect(formatGoDuration(90e9)).toBe("1m30s");
    expect(formatGoDuration(600e9)).toBe("10m0s");
  });
});
