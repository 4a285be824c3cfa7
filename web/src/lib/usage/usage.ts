/**
 * The Usage page's data: GET /api/usage over a range of whole UTC days kept in the URL
 * (`?days=90`; the default, 30, is left out), and what the page draws from the answer — the
 * chart's columns, the table's rows, the range's totals and the month's quota. Pure, so it is
 * tested without a browser; the answer's shape is the Worker's own (worker/storage/usage.ts).
 */
import type { TenantDay, UsageAnswer } from "../../../../worker/storage/usage";
import { getJson, type RequestOptions } from "../monitor/api";
import { trimmed } from "../monitor/format";

export type { TenantDay, UsageAnswer };

export interface DayRange {
  /** URL value: days counted back from today, today included. */
  days: number;
  short: string;
  label: string;
}

export const DAY_RANGES: ReadonlyArray<DayRange> = [
  { days: 7, short: "7d", label: "Last 7 days" },
  { days: 30, short: "30d", label: "Last 30 days" },
  { days: 90, short: "90d", label: "Last 90 days" },
  { days: 365, short: "1y", label: "Last 365 days" },
];

export const DEFAULT_DAYS = 30;
export const DAYS_PARAM = "days";
const DAY_MS = 86_400_000;

/** The range a URL asks for; anything else (a typo, an old link) is the default. */
export function readDayRange(params: Pick<URLSearchParams, "get">): DayRange {
  const days = Number(params.get(DAYS_PARAM));
  return DAY_RANGES.find((r) => r.days === days) ?? (DAY_RANGES.find((r) => r.days === DEFAULT_DAYS) as DayRange);
}

/** `params` with the range set (removed for the default), the rest kept. */
export function withDayRange(params: Pick<URLSearchParams, "toString">, days: number): URLSearchParams {
  const next = new URLSearchParams(params.toString());
  if (days === DEFAULT_DAYS) next.delete(DAYS_PARAM);
  else next.set(DAYS_PARAM, String(days));
  return next;
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The UTC days [from, to] the range covers, ending today. */
export function dayWindow(range: DayRange, nowMs: number): { from: string; to: string } {
  return { from: utcDay(nowMs - (range.days - 1) * DAY_MS), to: utcDay(nowMs) };
}

export function usagePath(window: { from: string; to: string }): string {
  return `/api/usage?${new URLSearchParams(window)}`;
}

export const loadUsage = (window: { from: string; to: string }, options: RequestOptions = {}) => getJson<UsageAnswer>(usagePath(window), options);

/** What the chart and the table show of a day. */
export interface DayRow {
  day: string;
  accepted: number;
  bytesAccepted: number;
  /** Refused at ingest, by reason; `tooLarge` by the size caps (span or trace). */
  invalid: number;
  overLimit: number;
  overQuota: number;
  tooLarge: number;
  rejected: number;
  /** Left out by tail sampling once complete. */
  dropped: number;
  tracesDropped: number;
  /** Traces written to storage, and the compressed bytes written to R2 for them that day. */
  tracesStored: number;
  bytesWritten: number;
}

export function dayRow(day: TenantDay): DayRow {
  const rejected = day.spansInvalid + day.spansOverLimit + day.spansOverQuota + day.spansRefused;
  return {
    day: day.day,
    accepted: day.spansAppended,
    bytesAccepted: day.bytesAppended,
    invalid: day.spansInvalid,
    overLimit: day.spansOverLimit,
    overQuota: day.spansOverQuota,
    tooLarge: day.spansRefused,
    rejected,
    dropped: day.spansDropped,
    tracesDropped: day.tracesDropped,
    tracesStored: day.tracesCompleted,
    bytesWritten: day.r2BytesWritten,
  };
}

export type Totals = Omit<DayRow, "day">;

export function totals(rows: readonly DayRow[]): Totals {
  const sum = (key: keyof Totals) => rows.reduce((n, r) => n + r[key], 0);
  return {
    accepted: sum("accepted"),
    bytesAccepted: sum("bytesAccepted"),
    invalid: sum("invalid"),
    overLimit: sum("overLimit"),
    overQuota: sum("overQuota"),
    tooLarge: sum("tooLarge"),
    rejected: sum("rejected"),
    dropped: sum("dropped"),
    tracesDropped: sum("tracesDropped"),
    tracesStored: sum("tracesStored"),
    bytesWritten: sum("bytesWritten"),
  };
}

/** Whether anything at all was counted in the range (else the page shows its empty state). */
export function hasActivity(rows: readonly DayRow[]): boolean {
  return rows.some((r) => r.accepted > 0 || r.rejected > 0 || r.dropped > 0);
}

/** The series the chart draws, by key of DayRow, in legend order. */
export const CHART_SERIES = [
  { key: "accepted", label: "Accepted" },
  { key: "dropped", label: "Dropped by tail sampling" },
  { key: "invalid", label: "Rejected: invalid" },
  { key: "overLimit", label: "Rejected: over rate limit" },
  { key: "overQuota", label: "Rejected: over quota" },
  { key: "tooLarge", label: "Rejected: too large" },
] as const;

export type ChartSeriesKey = (typeof CHART_SERIES)[number]["key"];

/** Columns for uPlot: x in seconds (each UTC day's midnight), then one column a series. */
export function chartColumns(rows: readonly DayRow[]): { time: number[]; values: Record<ChartSeriesKey, number[]> } {
  const values = Object.fromEntries(CHART_SERIES.map((s) => [s.key, rows.map((r) => r[s.key])])) as Record<ChartSeriesKey, number[]>;
  return { time: rows.map((r) => Date.parse(`${r.day}T00:00:00Z`) / 1000), values };
}

/** The quota bar: how much of the month's spans are used, and how much of the month has passed. */
export interface QuotaBar {
  plan: string;
  used: number;
  quota: number;
  /** used / quota, 0..1 (can pass 1 when a limit was raised mid-month or counts raced). */
  fraction: number;
  /** Of the UTC month, 0..1. */
  monthElapsed: number;
  /** At this pace the month would end above its quota. */
  onPaceToExceed: boolean;
}

export function quotaBar(quota: UsageAnswer["quota"], nowMs: number): QuotaBar {
  const now = new Date(nowMs);
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const monthElapsed = Math.min(1, Math.max(0, (nowMs - start) / (end - start)));
  const fraction = quota.spansPerMonth > 0 ? quota.usedThisMonth / quota.spansPerMonth : 0;
  return { plan: quota.plan, used: quota.usedThisMonth, quota: quota.spansPerMonth, fraction, monthElapsed, onPaceToExceed: monthElapsed > 0 && fraction / monthElapsed > 1 };
}

/** A count in short form for axes and tiles: 950, 12.3k, 4.5M, 2B. */
export function shortCount(n: number): string {
  const abs = Math.abs(n);
  const unit = abs >= 1e9 ? ([1e9, "B"] as const) : abs >= 1e6 ? ([1e6, "M"] as const) : abs >= 1e3 ? ([1e3, "k"] as const) : ([1, ""] as const);
  const value = n / unit[0];
  const digits = unit[0] === 1 || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${trimmed(value, digits)}${unit[1]}`;
}

/** Bytes in binary units: 0 B, 512 B, 1.5 KiB, 20 MiB, 3.2 GiB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${value} B` : `${trimmed(value, value >= 100 ? 0 : 1)} ${units[i]}`;
}

/** "Nov 27" for a UTC day (the days are UTC, so is the label). */
export function dayLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
}
