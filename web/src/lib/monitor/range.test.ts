import { describe, expect, it } from "vitest";
import { LOOKBACKS, lookbackMicros } from "../search/query";
import { bucketWidth, RANGES, rangeQuery, rangeWindow, readRange, stepFor, withRange } from "./range";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("time range in the URL", () => {
  it("reads each range it offers and falls back to the last hour for anything else", () => {
    for (const range of RANGES) expect(readRange(new URLSearchParams(`range=${range.value}`))).toBe(range);
    expect(readRange(new URLSearchParams()).value).toBe("1h");
    expect(readRange(new URLSearchParams("range=3w")).value).toBe("1h");
    expect(readRange(new URLSearchParams("range=")).value).toBe("1h");
  });

  it("leaves the default out of the URL and keeps other parameters", () => {
    expect(withRange(new URLSearchParams("kinds=client&range=6h"), "1h").toString()).toBe("kinds=client");
    expect(withRange(new URLSearchParams("kinds=client"), "7d").toString()).toBe("kinds=client&range=7d");
    expect(rangeQuery(readRange(new URLSearchParams()))).toBe("");
    expect(rangeQuery(readRange(new URLSearchParams("range=15m")))).toBe("?range=15m");
  });

  it("offers only ranges the search page also knows, with the same length", () => {
    for (const range of RANGES) {
      expect(LOOKBACKS.some((l) => l.value === range.value)).toBe(true);
      expect(lookbackMicros(range.value)).toBe(range.ms * 1000);
    }
  });

  it("ends the window now and starts it the range before", () => {
    expect(rangeWindow(readRange(new URLSearchParams("range=15m")), 1_000_000.7)).toEqual({ start: 1_000_000 - 15 * MINUTE, end: 1_000_000 });
  });
});

describe("step", () => {
  it("uses the server's bucket width: minutes up to 6 hours, hours beyond", () => {
    expect(bucketWidth(6 * HOUR)).toBe(MINUTE);
    expect(bucketWidth(6 * HOUR + 1)).toBe(HOUR);
  });

  it("is always a whole number of buckets, so no point sums more buckets than its neighbour", () => {
    for (const range of RANGES) {
      const step = stepFor(range.ms);
      expect(step % bucketWidth(range.ms)).toBe(0);
      expect(range.ms / step).toBeLessThanOrEqual(120);
    }
    expect(RANGES.map((r) => stepFor(r.ms) / MINUTE)).toEqual([1, 1, 3, 60, 120]);
  });

  it("never asks for less than one bucket, even for a tiny range", () => {
    expect(stepFor(1)).toBe(MINUTE);
    expect(stepFor(0)).toBe(MINUTE);
  });
});
