import { describe, expect, it } from "vitest";
import { formatPercent, timeTicks } from "./format";

describe("formatPercent", () => {
  it("rounds sensibly at both ends", () => {
    expect([0, 0.0004, 0.042, 0.5, 1].map(formatPercent)).toEqual(["0%", "<0.1%", "4.2%", "50%", "100%"]);
  });
});

describe("timeTicks", () => {
  it("steps by 1, 2 or 5 × 10ⁿ within the tick budget", () => {
    expect(timeTicks(0, 1_000, 5)).toEqual([0, 200, 400, 600, 800, 1_000]);
    expect(timeTicks(130, 480, 4)).toEqual([200, 300, 400]);
  });

  it("degrades to one tick for an empty range", () => {
    expect(timeTicks(5, 5, 4)).toEqual([5]);
  });
});
