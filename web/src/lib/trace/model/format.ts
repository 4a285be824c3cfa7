/**
 * Number formats only the trace view needs. Durations, duration axes and instants use the app's
 * shared `$lib/format` so a trace reads the same on the search page and here.
 */

/** A share as a percentage with sensible precision: 0.4%, 12%, 100%. */
export function formatPercent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return "<0.1%";
  if (p >= 10) return `${Math.round(p)}%`;
  const text = p.toFixed(1);
  return `${text.endsWith(".0") ? text.slice(0, -2) : text}%`;
}
