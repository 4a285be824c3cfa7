/**
 * The broken-propagation routes (worker/routes/propagation.ts) as the app calls them: one trace's
 * findings for the trace view's banner, and the counts per suspect service for the Monitor.
 */
import type { BrokenTraces, TracePropagation } from "$propagation/answers";
import { getJson, type RequestOptions } from "../monitor/api";

/** Signs of broken propagation are kept a day: the longest window the route answers. */
export const MAX_LOOKBACK_MS = 24 * 3_600_000;

export function tracePropagation(traceId: string, options: RequestOptions = {}): Promise<TracePropagation> {
  return getJson<TracePropagation>(`/api/traces/${encodeURIComponent(traceId)}/propagation`, options);
}

/** The findings and per-service counts of [start, end] (ms), clipped to the last day of it. */
export function brokenTraces(window: { start: number; end: number }, options: RequestOptions = {}): Promise<BrokenTraces> {
  const lookbackS = Math.max(1, Math.round(Math.min(window.end - window.start, MAX_LOOKBACK_MS) / 1000));
  return getJson<BrokenTraces>(`/api/broken-traces?endTs=${Math.round(window.end)}&lookback=${lookbackS}s`, options);
}
