import { describe, expect, it } from "vitest";
import { edgeWidth, errorBand, errorRatio, MAX_RADIUS, MAX_STROKE, MIN_RADIUS, MIN_STROKE, nodeRadius, ratePerSecond } from "./scale";

describe("rates and error ratios", () => {
  it("turns calls over a range into calls per second", () => {
    expect(ratePerSecond(3600, 3_600_000)).toBe(1);
    expect(ratePerSecond(30, 3_600_000)).toBeCloseTo(0.008333, 6);
  });

  it("says 0 for no calls and for an empty or inverted range, never Infinity or NaN", () => {
    expect(ratePerSecond(0, 3_600_000)).toBe(0);
    expect(ratePerSecond(10, 0)).toBe(0);
    expect(ratePerSecond(10, -5)).toBe(0);
  });

  it("has no error ratio without calls, and never more than all of them", () => {
    expect(errorRatio(0, 0)).toBe(0);
    expect(errorRatio(3, 0)).toBe(0);
    expect(errorRatio(5, 5)).toBe(1);
    expect(errorRatio(7, 5)).toBe(1);
    expect(errorRatio(1, 4)).toBe(0.25);
  });
});

describe("error bands", () => {
  it("keeps 'none' for exactly no errors, so a single failure among thousands shows", () => {
    expect(errorBand(0)).toBe("none");
    expect(errorBand(1 / 100_000)).toBe("low");
  });

  it("puts each boundary in the band above it", () => {
    expect(errorBand(0.0099)).toBe("low");
    expect(errorBand(0.01)).toBe("elevated");
    expect(errorBand(0.0499)).toBe("elevated");
    expect(errorBand(0.05)).toBe("high");
    expect(errorBand(1)).toBe("high");
  });

  it("treats a ratio that is not a number as no errors", () => {
    expect(errorBand(Number.NaN)).toBe("none");
  });
});

describe("node size", () => {
  it("gives the busiest node the largest radius and an idle one the smallest", () => {
    expect(nodeRadius(10, 10)).toBe(MAX_RADIUS);
    expect(nodeRadius(0, 10)).toBe(MIN_RADIUS);
  });

  it("makes the area, not the radius, follow the rate", () => {
    const area = (r: number) => r * r - MIN_RADIUS * MIN_RADIUS;
    expect(area(nodeRadius(1, 4)) / area(nodeRadius(4, 4))).toBeCloseTo(0.25, 9);
  });

  it("draws every node small when nothing was called (a single idle node, zero calls)", () => {
    expect(nodeRadius(0, 0)).toBe(MIN_RADIUS);
  });

  it("never grows past the largest radius when the rate exceeds the stated maximum", () => {
    expect(nodeRadius(20, 10)).toBe(MAX_RADIUS);
  });
});

describe("edge width", () => {
  it("gives the busiest edge the widest stroke and an idle one the thinnest", () => {
    expect(edgeWidth(5, 5)).toBe(MAX_STROKE);
    expect(edgeWidth(0, 5)).toBe(MIN_STROKE);
    expect(edgeWidth(0, 0)).toBe(MIN_STROKE);
  });

  it("keeps a quiet edge visibly wider than idle, and never past the widest", () => {
    expect(edgeWidth(1, 100)).toBeCloseTo(MIN_STROKE + 0.1 * (MAX_STROKE - MIN_STROKE), 9);
    expect(edgeWidth(200, 100)).toBe(MAX_STROKE);
  });
});
