import { describe, expect, it } from "vitest";
import { formatDuration, parseGoDuration } from "./duration";

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
    [0, "0μs"],
    [0.5, "0.5μs"],
    [812, "812μs"],
    [12_345, "12.35ms"],
    [100_000, "100ms"],
    [1_240_000, "1.24s"],
    [59_990_000, "59.99s"],
    [123_000_000, "2m 3s"],
    [120_000_000, "2m"],
    [3_720_000_000, "1h 2m"],
    [7_200_000_000, "2h"],
  ])("writes %d µs as %s", (us, expected) => {
    expect(formatDuration(us)).toBe(expected);
  });

  it("writes a dash for nonsense", () => {
    expect(formatDuration(-1)).toBe("–");
    expect(formatDuration(Number.NaN)).toBe("–");
  });
});
