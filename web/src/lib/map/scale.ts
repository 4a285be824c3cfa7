/**
 * The service map's scales: how big a node is drawn for its call rate, and which colour an edge
 * (or a node's ring) gets for its error ratio.
 */

/** Calls per second over a range of `rangeMs`; 0 for an empty or inverted range. */
export function ratePerSecond(calls: number, rangeMs: number): number {
  if (!(rangeMs > 0) || !(calls > 0)) return 0;
  return calls / (rangeMs / 1000);
}

/** errors / calls in 0..1; 0 without calls (nothing failed), never above 1 whatever the counts say. */
export function errorRatio(errors: number, calls: number): number {
  if (!(calls > 0) || !(errors > 0)) return 0;
  return Math.min(1, errors / calls);
}

/**
 * Error ratios in four bands. Bands rather than a continuous ramp: a reader compares an edge with
 * the legend at a glance, and the step from "none" to "some" (one failure in thousands) must be
 * visible, which a linear ramp from 0 to 100 % would hide in the first pixel of colour.
 * Each band is a CSS class; the colours (light and dark) live with the map's styles.
 */
export type ErrorBand = "none" | "low" | "elevated" | "high";

export const ERROR_BANDS: ReadonlyArray<{ band: ErrorBand; label: string }> = [
  { band: "none", label: "no errors" },
  { band: "low", label: "under 1%" },
  { band: "elevated", label: "1% to 5%" },
  { band: "high", label: "5% or more" },
];

export function errorBand(ratio: number): ErrorBand {
  if (!(ratio > 0)) return "none";
  if (ratio < 0.01) return "low";
  if (ratio < 0.05) return "elevated";
  return "high";
}

/** Radii (px) of the least and the most called node. */
export const MIN_RADIUS = 16;
export const MAX_RADIUS = 34;

/**
 * A node's radius for its rate, the busiest node getting MAX_RADIUS. The area (not the radius)
 * follows the rate, so a node with four times the calls looks four times as big, not sixteen;
 * a node without calls (only ever a caller) gets the smallest size, still big enough to click.
 */
export function nodeRadius(rate: number, maxRate: number): number {
  if (!(rate > 0) || !(maxRate > 0)) return MIN_RADIUS;
  const share = Math.min(1, rate / maxRate);
  const area = MIN_RADIUS ** 2 + share * (MAX_RADIUS ** 2 - MIN_RADIUS ** 2);
  return Math.sqrt(area);
}

/** Stroke widths (px) of the least and the most called edge. */
export const MIN_STROKE = 1.5;
export const MAX_STROKE = 5;

/**
 * An edge's stroke width for its rate, the busiest edge getting MAX_STROKE. The square root keeps
 * a quiet edge visible beside one with a hundred times its calls, as node areas do.
 */
export function edgeWidth(rate: number, maxRate: number): number {
  if (!(rate > 0) || !(maxRate > 0)) return MIN_STROKE;
  return MIN_STROKE + Math.sqrt(Math.min(1, rate / maxRate)) * (MAX_STROKE - MIN_STROKE);
}
