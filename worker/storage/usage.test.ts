import { describe, expect, it } from "vitest";
import { acceptedThisMonth, costPerMillionSpans, daysBetween, emptyDay, emptyRejected, emptyStored, isDay, PRICES, tenantDays } from "./usage";

describe("costPerMillionSpans", () => {
  const day = { ...emptyDay("2026-11-27"), spansAppended: 500_000, appends: 1_000, objectRowsWritten: 4_000, metricRowsWritten: 1_500, r2Puts: 50 };
  const stored = { ...emptyStored(), spans: 500_000, r2Bytes: 22_000_000, indexBytes: 1_000_000, metricHourBytes: 40_000, metricMinuteBytes: 900_000 };

  it("prices the aggregation's rows and buckets per million spans, and counts them in the total once", () => {
    const cost = costPerMillionSpans([day], stored, 1_000, 1);
    const rows = 1_500 * PRICES.rowWritten * 2;
    const storage = (40_000 + 900_000 / 30) * PRICES.objectStorage * 2;
    expect(cost.metricStorage).toBeCloseTo(storage, 12);
    expect(cost.aggregation).toBeCloseTo(rows + storage, 12);
    // Metric rows are part of objectRows already: the total adds only their storage.
    expect(cost.objectRows).toBeCloseTo(4_000 * PRICES.rowWritten * 2, 12);
    const parts = cost.workerRequests + cost.objectRequests + cost.objectRows + cost.r2Writes + cost.r2Reads + cost.r2Storage + cost.objectStorage + cost.metricStorage;
    expect(cost.total).toBeCloseTo(parts, 12);
  });

  it("keeps hour buckets as long as the traces, minute buckets a day", () => {
    const one = costPerMillionSpans([day], stored, 0, 1);
    const three = costPerMillionSpans([day], stored, 0, 3);
    expect(three.metricStorage - one.metricStorage).toBeCloseTo(2 * 40_000 * PRICES.objectStorage * 2, 12);
  });

  it("is zero, not NaN, before any span", () => {
    const cost = costPerMillionSpans([emptyDay("2026-11-27")], emptyStored(), 0, 1);
    expect(cost.total).toBe(0);
    expect(cost.aggregation).toBe(0);
  });
});

describe("a tenant's days", () => {
  it("accepts real days only", () => {
    expect(isDay("2026-11-27")).toBe(true);
    expect(isDay("2028-02-29")).toBe(true);
    for (const bad of ["2026-02-30", "2026-13-01", "2026-1-01", "20261127", "", "2026-11-27T00:00:00Z"]) expect(isDay(bad)).toBe(false);
  });

  it("lists every day of a range, across a month's and a year's end", () => {
    expect(daysBetween("2026-12-30", "2027-01-02")).toEqual(["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]);
    expect(daysBetween("2026-11-27", "2026-11-27")).toEqual(["2026-11-27"]);
  });

  it("sums the shards' days and the rejections by day, with zeros for days with neither", () => {
    const a = [{ ...emptyDay("2026-11-25"), spansAppended: 10, spansDropped: 4 }];
    const b = [{ ...emptyDay("2026-11-25"), spansAppended: 5, tracesDropped: 1 }, { ...emptyDay("2026-11-27"), spansAppended: 7 }];
    const rejected = [{ day: "2026-11-26", ...emptyRejected(), spansInvalid: 2, spansOverQuota: 3, bytesRejected: 100 }];
    const days = tenantDays("2026-11-24", "2026-11-27", [a, b], rejected);
    expect(days.map((d) => [d.day, d.spansAppended, d.spansDropped, d.tracesDropped, d.spansInvalid, d.spansOverQuota])).toEqual([
      ["2026-11-24", 0, 0, 0, 0, 0],
      ["2026-11-25", 15, 4, 1, 0, 0],
      ["2026-11-26", 0, 0, 0, 2, 3],
      ["2026-11-27", 7, 0, 0, 0, 0],
    ]);
  });

  it("counts the quota's use over the current UTC month up to today", () => {
    const days = [{ ...emptyDay("2026-10-31"), spansAppended: 100 }, { ...emptyDay("2026-11-01"), spansAppended: 5 }, { ...emptyDay("2026-11-27"), spansAppended: 7 }];
    expect(acceptedThisMonth(days, "2026-11-27")).toBe(12);
    expect(acceptedThisMonth(days, "2026-12-01")).toBe(0);
  });
});
