import { describe, expect, it } from "vitest";
import { costPerMillionSpans, emptyDay, emptyStored, PRICES } from "./usage";

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
