import { describe, expect, it } from "vitest";
import { formatCount, formatMs, formatPercent, formatRate, kindName, rateUnit } from "./format";

describe("formatRate", () => {
  it("keeps the number above 1 by choosing the unit", () => {
    expect(formatRate(12.345)).toBe("12.3/s");
    expect(formatRate(1)).toBe("1/s");
    expect(formatRate(0.5)).toBe("30/min");
    expect(formatRate(30 / 3600)).toBe("30/h");
    expect(formatRate(1 / 3600)).toBe("1/h");
    expect(formatRate(0.5 / 3600)).toBe("0.5/h");
  });

  it("shortens thousands", () => {
    expect(formatRate(1234)).toBe("1.23k/s");
    // Rounds up into the next prefix rather than printing "1000/s".
    expect(formatRate(999.6)).toBe("1k/s");
  });

  it("says zero plainly and refuses nonsense", () => {
    expect(formatRate(0)).toBe("0/s");
    expect(formatRate(Number.NaN)).toBe("–");
    expect(formatRate(-1)).toBe("–");
  });

  it("picks one unit for an axis from its peak", () => {
    expect(rateUnit(3).suffix).toBe("/s");
    expect(rateUnit(0.2)).toMatchObject({ suffix: "/min", factor: 60 });
    expect(rateUnit(0.001)).toMatchObject({ suffix: "/h", factor: 3600 });
    expect(rateUnit(0).suffix).toBe("/s");
  });
});

describe("formatPercent", () => {
  it("says exactly none and exactly all", () => {
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(1)).toBe("100%");
  });

  it("never rounds a failure away or rounds up to all", () => {
    expect(formatPercent(1 / 10_000)).toBe("<0.1%");
    expect(formatPercent(0.9999)).toBe(">99.9%");
  });

  it("keeps at most one decimal", () => {
    expect(formatPercent(1 / 30)).toBe("3.3%");
    expect(formatPercent(0.25)).toBe("25%");
    expect(formatPercent(0.0534)).toBe("5.3%");
  });
});

describe("other numbers", () => {
  it("formats latencies in ms with the app's duration formatter", () => {
    expect(formatMs(0)).toBe("0μs");
    expect(formatMs(0.5)).toBe("500μs");
    expect(formatMs(51.5502)).toBe("51.55ms");
    expect(formatMs(1397.82)).toBe("1.4s");
  });

  it("names OTel span kinds as Jaeger does", () => {
    expect([0, 1, 2, 3, 4, 5].map(kindName)).toEqual(["unspecified", "internal", "server", "client", "producer", "consumer"]);
    expect(kindName(-1)).toBe("unknown");
  });

  it("groups thousands", () => {
    expect(formatCount(12345)).toBe("12,345");
  });
});
