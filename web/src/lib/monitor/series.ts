/**
 * The Monitor's series as three charts want them: columns of numbers, time in seconds (uPlot's
 * unit), and gaps where nothing was called — a step without calls has no error rate and no
 * latency (the route writes 0 there, which drawn would read as "fast and healthy").
 */
import { durationTicks } from "../format/duration";
import type { SeriesPoint } from "./api";
import { rateUnit, type RateUnit } from "./format";

export interface ChartColumns {
  /** Step starts, seconds since the epoch. */
  time: number[];
  /** Requests in `unit` (per second, minute or hour, whichever keeps the peak above 1). */
  rate: number[];
  unit: RateUnit;
  /** Percent 0..100, null without calls. */
  errorPercent: Array<number | null>;
  /** ms, null without calls. */
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
  /** The points as answered, for the tooltip's exact numbers. */
  points: readonly SeriesPoint[];
}

export function chartColumns(points: readonly SeriesPoint[]): ChartColumns {
  const unit = rateUnit(Math.max(0, ...points.map((p) => p.rate)));
  const when = (p: SeriesPoint, value: number) => (p.calls > 0 ? value : null);
  return {
    time: points.map((p) => p.t / 1000),
    rate: points.map((p) => p.rate * unit.factor),
    unit,
    errorPercent: points.map((p) => when(p, p.errorRate * 100)),
    p50: points.map((p) => when(p, p.p50)),
    p95: points.map((p) => when(p, p.p95)),
    p99: points.map((p) => when(p, p.p99)),
    points,
  };
}

/** Whether anything at all was called in the series. */
export const hasCalls = (points: readonly SeriesPoint[]) => points.some((p) => p.calls > 0);

/**
 * Ticks for a latency axis over [minMs, maxMs]: the app's duration ticks (round durations, as on
 * the trace timeline), in ms, with the step each label needs. Never an empty axis: a flat or
 * empty range still gets a 0 tick.
 */
export function latencyTicks(minMs: number, maxMs: number, maxTicks: number): { values: number[]; stepMs: number } {
  const lo = Math.max(0, Number.isFinite(minMs) ? minMs : 0);
  const hi = Number.isFinite(maxMs) && maxMs > lo ? maxMs : lo + 1;
  const { values, step } = durationTicks(lo * 1000, hi * 1000, Math.max(1, maxTicks));
  return { values: values.map((us) => us / 1000), stepMs: step / 1000 };
}

export interface SeriesSummary {
  calls: number;
  errors: number;
  /** Calls per second over the whole range. */
  rate: number;
  /** errors / calls over the range; null without calls. */
  errorRate: number | null;
  /** The highest p95 of any step, ms; null without calls. */
  peakP95: number | null;
}

/** The headline numbers above the charts: the range's totals, averaged over its length. */
export function summarize(points: readonly SeriesPoint[], rangeMs: number): SeriesSummary {
  let calls = 0;
  let errors = 0;
  let peakP95: number | null = null;
  for (const p of points) {
    calls += p.calls;
    errors += p.errors;
    if (p.calls > 0 && Number.isFinite(p.p95)) peakP95 = Math.max(peakP95 ?? 0, p.p95);
  }
  return { calls, errors, rate: rangeMs > 0 ? calls / (rangeMs / 1000) : 0, errorRate: calls > 0 ? errors / calls : null, peakP95 };
}
