/**
 * Units as types. OTLP speaks nanoseconds (int64, kept as decimal strings); Jaeger's API and our
 * index speak microseconds (a JS number holds µs since the epoch exactly until the year 2255).
 */
import type { UnixNanos } from "./span";

/** Microseconds since the Unix epoch, or a duration in microseconds. */
export type Micros = number & { readonly __unit: "µs" };

export const micros = (n: number): Micros => n as Micros;

/** Truncates to whole microseconds without BigInt: dropping the last three digits divides by 1000. */
export function nanosToMicros(nanos: UnixNanos): Micros {
  return micros(nanos.length <= 3 ? 0 : Number(nanos.slice(0, -3)));
}

export function microsToNanos(us: Micros): UnixNanos {
  return us === 0 ? "0" : `${Math.trunc(us)}000`;
}

/** Compares two decimal int64 strings without BigInt (no leading zeros, non-negative). */
export function compareNanos(a: UnixNanos, b: UnixNanos): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** end − start in whole microseconds, exact: both are split at the µs digit rather than rounded. */
export function durationMicros(start: UnixNanos, end: UnixNanos): Micros {
  const remainder = (nanos: UnixNanos) => Number(nanos.slice(-3));
  const ns = (nanosToMicros(end) - nanosToMicros(start)) * 1000 + remainder(end) - remainder(start);
  return micros(Math.max(0, Math.trunc(ns / 1000)));
}
