/** How the digest writes numbers and bounds text: short, unit always stated, never unbounded. */
import type { Micros } from "../model/time";

/** "3.6 ms", "742 ms", "1.24 s", "850 µs": three significant figures at most, unit always given. */
export function ms(us: Micros | number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  const m = us / 1000;
  if (m < 10) return `${m.toFixed(1)} ms`;
  if (m < 1000) return `${Math.round(m)} ms`;
  return `${(m / 1000).toFixed(m < 10_000 ? 2 : 1)} s`;
}

/** A range of durations the way the digest prints repeated calls: "3.6–13.9 ms", "2 ms". */
export function msRange(min: Micros | number, max: Micros | number): string {
  const low = ms(min);
  const high = ms(max);
  if (low === high) return low;
  const [lowValue, lowUnit] = low.split(" ");
  const [highValue, highUnit] = high.split(" ");
  return lowUnit === highUnit ? `${lowValue}–${highValue} ${highUnit}` : `${low}–${high}`;
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)}%` : "0%";
}

/** At most `max` characters on one line: a model needs the start of a message, not all 40 KB of it. */
export function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`;
}

/** Three significant figures (12.3, 767, 1340): latency quantiles are estimates, more digits mislead. */
export function sig(n: number): number {
  return Number.isFinite(n) && n !== 0 ? Number(n.toPrecision(3)) : 0;
}
