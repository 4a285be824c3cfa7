/**
 * The zoomed time window of the timeline, as fractions of the trace's duration: `{ start: 0,
 * end: 1 }` shows everything. The mini-map drags it; the timeline maps span times through it.
 * Fractions (not µs) keep it independent of which trace is shown, so it survives a reload.
 */
import type { ViewSpan, ViewTrace } from "./types";

export interface TimeWindow {
  start: number;
  end: number;
}

export const FULL_WINDOW: TimeWindow = { start: 0, end: 1 };

/** The narrowest window allowed: zooming further only blurs µs rounding. */
export const MIN_WINDOW = 0.0005;

/** Keeps a window inside [0, 1], at least MIN_WINDOW wide, moving it rather than squashing it. */
export function clampWindow(w: TimeWindow): TimeWindow {
  const width = Math.min(1, Math.max(MIN_WINDOW, w.end - w.start));
  const start = Math.min(1 - width, Math.max(0, w.start));
  return { start, end: start + width };
}

/** Zooms by `factor` (< 1 zooms in) keeping the point at `anchor` (0–1 within the window) still. */
export function zoomWindow(w: TimeWindow, anchor: number, factor: number): TimeWindow {
  const width = w.end - w.start;
  const at = w.start + anchor * width;
  const next = Math.min(1, Math.max(MIN_WINDOW, width * factor));
  return clampWindow({ start: at - anchor * next, end: at - anchor * next + next });
}

/** Moves by `delta` window-widths (negative: earlier). */
export function panWindow(w: TimeWindow, delta: number): TimeWindow {
  const width = w.end - w.start;
  return clampWindow({ start: w.start + delta * width, end: w.end + delta * width });
}

/** A window around one span with a margin either side, for "zoom to span". */
export function windowAround(trace: ViewTrace, span: ViewSpan, margin = 0.05): TimeWindow {
  if (trace.duration <= 0) return FULL_WINDOW;
  const start = span.offset / trace.duration;
  const width = Math.max(MIN_WINDOW, span.duration / trace.duration);
  return clampWindow({ start: start - width * margin, end: start + width * (1 + margin) });
}

/**
 * Where a span's bar goes within the window, in percent of the timeline's width; the bar may run
 * past either edge (the row clips it). Zero-length spans keep a hairline so they can be seen.
 */
export function barBox(trace: ViewTrace, span: ViewSpan, w: TimeWindow): { left: number; width: number } {
  const d = trace.duration || 1;
  const scale = 100 / (w.end - w.start);
  return { left: (span.offset / d - w.start) * scale, width: (span.duration / d) * scale };
}

/** Like barBox, for any interval in absolute µs (critical-path segments, log marks). */
export function intervalBox(trace: ViewTrace, start: number, end: number, w: TimeWindow): { left: number; width: number } {
  const d = trace.duration || 1;
  const scale = 100 / (w.end - w.start);
  return { left: ((start - trace.start) / d - w.start) * scale, width: ((end - start) / d) * scale };
}

/** The µs offsets (from the trace start) the window covers. */
export function windowMicros(trace: ViewTrace, w: TimeWindow): { from: number; to: number } {
  return { from: w.start * trace.duration, to: w.end * trace.duration };
}
