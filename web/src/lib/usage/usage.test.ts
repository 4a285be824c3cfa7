import { describe, expect, it } from "vitest";
import type uPlot from "uplot";
import { emptyDay, emptyRejected } from "../../../../worker/storage/usage";
import type { ChartPalette } from "../monitor/charts";
import { usageChartData, usageChartOptions } from "./chart";
import { CHART_SERIES, dayRow, dayWindow, formatBytes, hasActivity, quotaBar, readDayRange, shortCount, totals, usagePath, withDayRange, type TenantDay } from "./usage";

const day = (date: string, counts: Partial<TenantDay> = {}): TenantDay => ({ ...emptyDay(date), ...emptyRejected(), ...counts });

describe("the range in the URL", () => {
  it("reads a known number of days, and the default for anything else", () => {
    expect(readDayRange(new URLSearchParams("days=90")).days).toBe(90);
    expect(readDayRange(new URLSearchParams("days=12")).days).toBe(30);
    expect(readDayRange(new URLSearchParams("")).days).toBe(30);
  });

  it("leaves the default out of the URL and keeps other parameters", () => {
    expect(withDayRange(new URLSearchParams("x=1"), 7).toString()).toBe("x=1&days=7");
    expect(withDayRange(new URLSearchParams("days=7"), 30).toString()).toBe("");
  });

  it("covers whole UTC days ending today", () => {
    const now = Date.parse("2026-11-27T23:30:00Z");
    expect(dayWindow({ days: 7, short: "7d", label: "" }, now)).toEqual({ from: "2026-11-21", to: "2026-11-27" });
    expect(usagePath({ from: "2026-11-21", to: "2026-11-27" })).toBe("/api/usage?from=2026-11-21&to=2026-11-27");
  });
});

describe("a day's row and the range's totals", () => {
  const days = [
    day("2026-11-26", { spansAppended: 1_000, bytesAppended: 230_000, spansDropped: 800, tracesDropped: 80, tracesCompleted: 20, spansInvalid: 3, spansRefused: 1 }),
    day("2026-11-27", { spansAppended: 500, spansOverLimit: 40, spansOverQuota: 2 }),
  ];

  it("adds every refusal reason, the size caps' included, into rejected", () => {
    expect(dayRow(days[0] as TenantDay)).toMatchObject({ accepted: 1_000, dropped: 800, tracesDropped: 80, tracesStored: 20, invalid: 3, tooLarge: 1, rejected: 4 });
    expect(totals(days.map(dayRow))).toMatchObject({ accepted: 1_500, rejected: 46, overLimit: 40, overQuota: 2, bytesAccepted: 230_000 });
  });

  it("calls a range with nothing counted empty", () => {
    expect(hasActivity([day("2026-11-26")].map(dayRow))).toBe(false);
    expect(hasActivity([day("2026-11-26", { spansOverQuota: 1 })].map(dayRow))).toBe(true);
  });
});

describe("the quota bar", () => {
  it("shows the share used and how far through the UTC month we are", () => {
    const bar = quotaBar({ plan: "free", spansPerMonth: 1_000, usedThisMonth: 250, month: "2026-11" }, Date.parse("2026-11-16T00:00:00Z"));
    expect(bar.fraction).toBe(0.25);
    expect(bar.monthElapsed).toBeCloseTo(0.5, 5);
    expect(bar.onPaceToExceed).toBe(false);
    // 60 % used a third of the way through: on pace to run out.
    expect(quotaBar({ plan: "free", spansPerMonth: 1_000, usedThisMonth: 600, month: "2026-11" }, Date.parse("2026-11-11T00:00:00Z")).onPaceToExceed).toBe(true);
  });
});

describe("numbers", () => {
  it("shortens counts and bytes without losing what they say", () => {
    expect([0, 950, 1_000, 12_345, 4_500_000, 2e9].map(shortCount)).toEqual(["0", "950", "1k", "12.3k", "4.5M", "2B"]);
    expect([0, 512, 1_536, 20 * 1024 * 1024, 150 * 1024 ** 3].map(formatBytes)).toEqual(["0 B", "512 B", "1.5 KiB", "20 MiB", "150 GiB"]);
  });
});

describe("the usage chart", () => {
  const palette: ChartPalette = { text: "rgb(22, 25, 31)", muted: "rgb(91, 100, 114)", grid: "rgb(221, 225, 231)", accent: "rgb(37, 99, 235)", danger: "rgb(198, 40, 40)", warn: "rgb(161, 92, 0)", fontFamily: "system-ui" };
  const rows = [day("2026-11-26", { spansAppended: 10, spansDropped: 4 }), day("2026-11-27", { spansAppended: 7, spansInvalid: 2 })].map(dayRow);

  it("draws one column a series, x at each UTC midnight", () => {
    const data = usageChartData(rows);
    expect(data[0]).toEqual([Date.parse("2026-11-26T00:00:00Z") / 1000, Date.parse("2026-11-27T00:00:00Z") / 1000]);
    expect(data).toHaveLength(1 + CHART_SERIES.length);
    expect(data[1]).toEqual([10, 7]);
    expect(data[2]).toEqual([4, 0]);
    expect(data[3]).toEqual([0, 2]);
  });

  it("labels every series, shows counts in the legend and the day under the pointer", () => {
    const options = usageChartOptions(rows, palette, { width: 600, height: 200 });
    expect(options.series.slice(1).map((s) => s.label)).toEqual(CHART_SERIES.map((s) => s.label));
    const value = (i: number, v: number | null) => {
      const format = options.series[i]?.value;
      if (typeof format !== "function") throw new Error("no formatter");
      return String(format({} as uPlot, v as number, i, 0));
    };
    expect(value(1, 12_345)).toBe("12,345");
    expect(value(0, Date.parse("2026-11-27T00:00:00Z") / 1000)).toBe("Nov 27");
    expect(options.series[1]?.stroke).toBe(palette.accent);
  });
});
