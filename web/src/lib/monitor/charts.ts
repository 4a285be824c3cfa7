/**
 * The Monitor's three uPlot charts as options and data, built without a DOM so they can be
 * tested: request rate, error rate and latency (p50/p95/p99) over time. Colours come in as a
 * palette the component reads from the theme's CSS variables, so a theme change is a rebuild
 * with another palette. Axis labels use the same formatters as the tables (a p95 on the axis
 * reads like the p95 in the row below); the legend under each chart shows the exact values of
 * the step under the pointer.
 */
import type uPlot from "uplot";
import { formatDurationTick } from "../format/duration";
import { formatCount, formatMs, formatPercent, formatRate, trimmed } from "./format";
import { latencyTicks, type ChartColumns } from "./series";

export type ChartKind = "rate" | "errors" | "latency";

/** Resolved colours (rgb() strings: a canvas cannot read CSS variables) and the page's font. */
export interface ChartPalette {
  text: string;
  muted: string;
  grid: string;
  accent: string;
  danger: string;
  warn: string;
  fontFamily: string;
}

export const CHART_TITLES: Record<ChartKind, string> = {
  rate: "Request rate",
  errors: "Error rate",
  latency: "Latency",
};

/** `rgb(r, g, b)` / `rgba(r, g, b, a)` at `alpha`, for an area under a line; anything else as it is. */
export function withAlpha(color: string, alpha: number): string {
  const match = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(color.trim());
  if (!match) return color;
  return `rgba(${match[1]}, ${match[2]}, ${match[3]}, ${alpha})`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `Nov 24, 09:30` (the viewer's zone) for a step that starts at `seconds`. */
export function formatStepStart(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.toLocaleDateString("en", { month: "short", day: "numeric" })}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An axis number: up to two decimals, thousands as k (`0.25`, `12`, `1.5k`). */
export function axisNumber(value: number): string {
  if (Math.abs(value) >= 1000) return `${trimmed(value / 1000, 1)}k`;
  return trimmed(value, 2);
}

/** The columns uPlot draws, x first (seconds). */
export function chartData(kind: ChartKind, columns: ChartColumns): uPlot.AlignedData {
  if (kind === "rate") return [columns.time, columns.rate];
  if (kind === "errors") return [columns.time, columns.errorPercent];
  return [columns.time, columns.p50, columns.p95, columns.p99];
}

/** How many non-empty values the chart's series hold (a test's and a screen reader's "anything drawn?"). */
export function drawnValues(data: uPlot.AlignedData): number {
  let n = 0;
  for (const series of data.slice(1)) for (const v of series) if (v !== null && v !== undefined && Number.isFinite(v)) n++;
  return n;
}

/**
 * Indices of values with no value on either side: a line cannot draw them (a step with calls
 * between idle ones), so they get a dot. Everything else is read from the line alone.
 */
export function lonePoints(values: ArrayLike<number | null | undefined>): number[] {
  const has = (i: number) => values[i] !== null && values[i] !== undefined;
  const lone: number[] = [];
  for (let i = 0; i < values.length; i++) if (has(i) && !has(i - 1) && !has(i + 1)) lone.push(i);
  return lone;
}

/** [0, a little above the peak]: rates, errors and latencies all start at zero. */
const fromZero =
  (ceiling = Number.POSITIVE_INFINITY, flat = 1): uPlot.Scale.Range =>
  (_u, _min, max) => [0, Number.isFinite(max) && max > 0 ? Math.min(ceiling, max * 1.12) : flat];

/**
 * A latency axis on round durations — the app's duration ticks, as on the trace timeline — and
 * labels whose decimals come from the step between them, so neighbours never read the same.
 */
const latencySplits: uPlot.Axis.Splits = (_u, _axis, min, max) => latencyTicks(min, max, 5).values;

function latencyLabels(_u: uPlot, splits: number[]): string[] {
  const stepMs = splits.length > 1 ? (splits[1] ?? 0) - (splits[0] ?? 0) : 0;
  return splits.map((ms) => formatDurationTick(ms * 1000, stepMs * 1000));
}

export function chartOptions(kind: ChartKind, columns: ChartColumns, palette: ChartPalette, size: { width: number; height: number }): uPlot.Options {
  const font = `12px ${palette.fontFamily}`;
  const point = (idx: number | null) => (idx === null ? undefined : columns.points[idx]);
  const axis = (extra: uPlot.Axis = {}): uPlot.Axis => ({
    stroke: palette.muted,
    font,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid, width: 1, size: 4 },
    ...extra,
  });
  const x: uPlot.Series = { value: (_u, v) => (v === null ? "–" : formatStepStart(v)) };
  const line = (label: string, stroke: string, value: uPlot.Series.Value, fill?: string): uPlot.Series => ({
    label,
    stroke,
    width: 1.75,
    value,
    points: { show: true, size: 5, fill: stroke, filter: (u, seriesIdx) => lonePoints(u.data[seriesIdx] ?? []) },
    ...(fill ? { fill } : {}),
  });

  let series: uPlot.Series[];
  let yAxis: uPlot.Axis;
  let range: uPlot.Scale.Range;
  if (kind === "rate") {
    const unit = columns.unit;
    series = [x, line("Requests", palette.accent, (_u, _v, _s, idx) => {
      const p = point(idx);
      return p ? `${formatRate(p.rate)} (${formatCount(p.calls)} ${p.calls === 1 ? "call" : "calls"})` : "–";
    }, withAlpha(palette.accent, 0.14))];
    yAxis = axis({ size: 64, values: (_u, splits) => splits.map((v) => `${axisNumber(v)}${unit.suffix}`) });
    range = fromZero();
  } else if (kind === "errors") {
    series = [x, line("Errors", palette.danger, (_u, _v, _s, idx) => {
      const p = point(idx);
      if (!p) return "–";
      return p.calls > 0 ? `${formatPercent(p.errorRate)} (${formatCount(p.errors)} of ${formatCount(p.calls)})` : "no calls";
    }, withAlpha(palette.danger, 0.12))];
    yAxis = axis({ size: 64, values: (_u, splits) => splits.map((v) => `${trimmed(v, 1)}%`) });
    range = fromZero(100, 1);
  } else {
    const latency = (label: string, stroke: string, pick: "p50" | "p95" | "p99") =>
      line(label, stroke, (_u, _v, _s, idx) => {
        const p = point(idx);
        return p && p.calls > 0 ? formatMs(p[pick]) : "–";
      });
    series = [x, latency("p50", palette.accent, "p50"), latency("p95", palette.warn, "p95"), latency("p99", palette.danger, "p99")];
    yAxis = axis({
      size: 64,
      splits: latencySplits,
      values: latencyLabels,
    });
    range = fromZero();
  }

  return {
    width: size.width,
    height: size.height,
    series,
    scales: { x: { time: true }, y: { range } },
    axes: [axis({ space: 70 }), yAxis],
    cursor: { points: { size: 7 }, drag: { x: false, y: false } },
    legend: { live: true },
  };
}
