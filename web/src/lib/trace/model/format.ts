/**
 * Number formats only the trace view needs. Durations and instants use the app's shared
 * `$lib/format` so a trace reads the same on the search page and here.
 */

/** A share as a percentage with sensible precision: 0.4%, 12%, 100%. */
export function formatPercent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return "<0.1%";
  if (p >= 10) return `${Math.round(p)}%`;
  const text = p.toFixed(1);
  return `${text.endsWith(".0") ? text.slice(0, -2) : text}%`;
}

/**
 * Tick offsets (µs, relative to the trace start) for a ruler over `[from, to]`: a step of 1, 2 or
 * 5 × 10ⁿ µs giving at most `maxTicks` ticks, first tick at or after `from`.
 */
export function timeTicks(from: number, to: number, maxTicks: number): number[] {
  const range = to - from;
  if (!(range > 0) || maxTicks < 1) return [from];
  const rough = range / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + step * 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}
