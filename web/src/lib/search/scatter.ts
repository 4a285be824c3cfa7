/**
 * Geometry of the results scatter plot (x = when a trace started, y = how long it took), kept
 * apart from the SVG so it can be tested: scales, clock ticks and point positions in pixels.
 * The duration axis uses the app's one duration ruler (`$lib/format/duration`).
 */
import { durationTicks, formatDurationTick } from "../format/duration";

export interface ScatterItem {
  traceID: string;
  /** µs since the epoch. */
  start: number;
  /** µs. */
  duration: number;
  spanCount: number;
  error: boolean;
}

export interface ScatterPoint extends ScatterItem {
  x: number;
  y: number;
  r: number;
}

export interface Tick {
  pos: number;
  label: string;
}

export interface ScatterLayout {
  /** The plotting area inside the axes, in px. */
  plot: { left: number; top: number; width: number; height: number };
  points: ScatterPoint[];
  xTicks: Tick[];
  yTicks: Tick[];
}

/** A linear map from [d0, d1] to [r0, r1]; a zero-width domain maps to the range's middle. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/** Duration ticks the y axis aims for. */
const Y_TICKS = 4;

/** The top of the y axis (µs): the smallest duration tick at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const { values, step } = durationTicks(0, max, Y_TICKS);
  const last = values[values.length - 1] ?? max;
  return last >= max ? last : Number((last + step).toPrecision(12));
}

const SECOND = 1e6;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Steps a time axis may use, in µs: each is a round number on a clock. */
const TIME_STEPS = [
  1e3, 5e3, 1e4, 5e4, 1e5, 2.5e5, 5e5, SECOND, 5 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

/** Tick times for [min, max] µs on clock-round steps (aligned in the viewer's zone), ~`count`. */
export function timeTicks(min: number, max: number, count = 6): { values: number[]; step: number } {
  if (!(max > min)) return { values: [min], step: SECOND };
  const rough = (max - min) / count;
  const step = TIME_STEPS.find((s) => s >= rough) ?? TIME_STEPS[TIME_STEPS.length - 1] ?? DAY;
  // Align to local midnight for steps of an hour or more, so "06:00" lands on 06:00 local time.
  const offset = step >= HOUR ? new Date(min / 1000).getTimezoneOffset() * -MINUTE : 0;
  const values: number[] = [];
  for (let t = Math.ceil((min + offset) / step) * step - offset; t <= max; t += step) values.push(t);
  return { values, step };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** A tick label as precise as the step needs: `Nov 24`, `09:30`, `09:30:15`, `09:30:15.250`. */
export function formatTimeTick(us: number, step: number): string {
  const d = new Date(us / 1000);
  if (step >= DAY) return d.toLocaleDateString("en", { month: "short", day: "numeric" });
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (step >= MINUTE) return hm;
  if (step >= SECOND) return `${hm}:${pad(d.getSeconds())}`;
  return `${hm}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export interface ScatterOptions {
  width: number;
  height: number;
  margin?: { top: number; right: number; bottom: number; left: number };
  formatTime?: (us: number, step: number) => string;
}

export function layoutScatter(items: readonly ScatterItem[], options: ScatterOptions): ScatterLayout {
  const margin = options.margin ?? { top: 12, right: 16, bottom: 26, left: 64 };
  const plot = {
    left: margin.left,
    top: margin.top,
    width: Math.max(1, options.width - margin.left - margin.right),
    height: Math.max(1, options.height - margin.top - margin.bottom),
  };
  if (items.length === 0) return { plot, points: [], xTicks: [], yTicks: [] };

  let t0 = Math.min(...items.map((item) => item.start));
  let t1 = Math.max(...items.map((item) => item.start));
  // Breathing room so the first and last points are not cut by the plot's edge; a lone point
  // (or several at one instant) gets a minute either side.
  const pad = t1 > t0 ? (t1 - t0) * 0.04 : MINUTE;
  t0 -= pad;
  t1 += pad;
  const yMax = niceMax(Math.max(...items.map((item) => item.duration)));
  const yAxis = durationTicks(0, yMax, Y_TICKS);
  const x = linearScale(t0, t1, plot.left, plot.left + plot.width);
  const y = linearScale(0, yMax, plot.top + plot.height, plot.top);
  const maxSpans = Math.max(...items.map((item) => item.spanCount));
  const radius = (spans: number) => 3 + 5 * Math.sqrt(spans / Math.max(1, maxSpans));

  const format = options.formatTime ?? formatTimeTick;
  const { values, step } = timeTicks(t0, t1, Math.max(2, Math.floor(plot.width / 110)));
  return {
    plot,
    points: items.map((item) => ({ ...item, x: x(item.start), y: y(item.duration), r: radius(item.spanCount) })),
    xTicks: values.map((value) => ({ pos: x(value), label: format(value, step) })),
    yTicks: yAxis.values.map((value) => ({ pos: y(value), label: formatDurationTick(value, yAxis.step) })),
  };
}
