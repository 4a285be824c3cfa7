/**
 * The time range the service map and the Monitor pages show, as it lives in the URL
 * (`?range=6h`; the default, the last hour, is left out), and the step the Monitor asks for.
 *
 * The ranges are a subset of the search page's lookbacks (`$lib/search/query` LOOKBACKS), with
 * the same spelling, so a link from a chart or an edge to /search can carry the range unchanged.
 */

export interface TimeRange {
  /** URL value, also a search-page lookback: "15m", "1h", … */
  value: string;
  /** Visible on the picker. */
  short: string;
  /** What a screen reader and a tooltip say. */
  label: string;
  ms: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const RANGES: ReadonlyArray<TimeRange> = [
  { value: "15m", short: "15m", label: "Last 15 minutes", ms: 15 * MINUTE },
  { value: "1h", short: "1h", label: "Last hour", ms: HOUR },
  { value: "6h", short: "6h", label: "Last 6 hours", ms: 6 * HOUR },
  { value: "24h", short: "24h", label: "Last 24 hours", ms: DAY },
  { value: "7d", short: "7d", label: "Last 7 days", ms: 7 * DAY },
];

export const DEFAULT_RANGE = "1h";
export const RANGE_PARAM = "range";

/** The range a URL asks for; anything unknown (a typo, an old link) is the default. */
export function readRange(params: Pick<URLSearchParams, "get">): TimeRange {
  const value = params.get(RANGE_PARAM);
  return RANGES.find((r) => r.value === value) ?? (RANGES.find((r) => r.value === DEFAULT_RANGE) as TimeRange);
}

/**
 * `params` with `range` set to `value` (removed when it is the default); the rest kept as is.
 * Takes anything that writes itself as a query string, such as SvelteKit's read-only `page.url.searchParams`.
 */
export function withRange(params: Pick<URLSearchParams, "toString">, value: string): URLSearchParams {
  const next = new URLSearchParams(params.toString());
  if (value === DEFAULT_RANGE) next.delete(RANGE_PARAM);
  else next.set(RANGE_PARAM, value);
  return next;
}

/** "?range=6h", or "" for the default: the query string to append to a path. */
export function rangeQuery(range: TimeRange): string {
  const params = withRange(new URLSearchParams(), range.value);
  return params.size ? `?${params}` : "";
}

/** [start, end) in ms ending at `nowMs`: what the range means when the page asks. */
export function rangeWindow(range: TimeRange, nowMs: number): { start: number; end: number } {
  const end = Math.trunc(nowMs);
  return { start: end - range.ms, end };
}

/**
 * The server keeps per-minute rows only for ranges of at most 6 hours within the last day, and
 * per-hour rows beyond (worker/query/metrics.ts `loadBuckets`). Mirrored here to pick a step.
 */
export function bucketWidth(rangeMs: number): number {
  return rangeMs <= 6 * HOUR ? MINUTE : HOUR;
}

/**
 * The Monitor's step for a range: at most about 120 points, and always a whole number of the
 * server's buckets. The server's own default (range / 120, rounded up to minutes) is 84 minutes for 7 days
 * over hour rows, so its points hold one or two hours alternately and the rate line saws; a step
 * that is a multiple of the bucket width gives every point the same number of buckets.
 */
export function stepFor(rangeMs: number): number {
  const bucket = bucketWidth(rangeMs);
  const buckets = Math.max(1, Math.ceil(rangeMs / 120 / bucket));
  return buckets * bucket;
}
