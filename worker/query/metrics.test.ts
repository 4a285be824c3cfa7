import { describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS, MINUTES_KEPT_MS } from "../metrics/aggregate";
import { resolutionFor } from "./metrics";

describe("resolutionFor", () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0);

  it("reads minutes for any range of up to a day whose minutes are all still kept", () => {
    expect(resolutionFor(now - 15 * MINUTE_MS, now, now)).toBe(MINUTE_MS);
    expect(resolutionFor(now - 6 * HOUR_MS, now, now)).toBe(MINUTE_MS);
    // Exactly the last 24 h, the Monitor page's and Jaeger UI's longest "recent" range.
    expect(resolutionFor(now - 24 * HOUR_MS, now, now)).toBe(MINUTE_MS);
    expect(resolutionFor(now - 24 * HOUR_MS, now, now, 5 * MINUTE_MS)).toBe(MINUTE_MS);
  });

  it("reads hours past a day, or where minutes have expired, or when the caller steps by whole hours", () => {
    expect(resolutionFor(now - 24 * HOUR_MS - MINUTE_MS, now, now)).toBe(HOUR_MS);
    expect(resolutionFor(now - 7 * 24 * HOUR_MS, now, now)).toBe(HOUR_MS);
    // A one-hour range whose start is older than the minutes kept.
    expect(resolutionFor(now - MINUTES_KEPT_MS, now - MINUTES_KEPT_MS + HOUR_MS, now)).toBe(HOUR_MS);
    expect(resolutionFor(now - MINUTES_KEPT_MS + MINUTE_MS, now - MINUTES_KEPT_MS + HOUR_MS, now)).toBe(MINUTE_MS);
    expect(resolutionFor(now - 6 * HOUR_MS, now, now, HOUR_MS)).toBe(HOUR_MS);
    expect(resolutionFor(now - 6 * HOUR_MS, now, now, 2 * HOUR_MS)).toBe(HOUR_MS);
    expect(resolutionFor(now - 6 * HOUR_MS, now, now, 90 * MINUTE_MS)).toBe(MINUTE_MS);
  });

  it("reads minutes for hour steps over a range off the hour: hour rows would miss or over-count its ends", () => {
    // The Monitor overview's window: the last hour, stepped by one hour, at 12:20.
    const at = now + 20 * MINUTE_MS;
    expect(resolutionFor(at - HOUR_MS, at, at, HOUR_MS)).toBe(MINUTE_MS);
    expect(resolutionFor(now - HOUR_MS, at, at, HOUR_MS)).toBe(MINUTE_MS);
  });
});
