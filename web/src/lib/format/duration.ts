/**
 * Durations as people type and read them, the one place the app turns µs into text. Input follows
 * Go's `time.ParseDuration` (what Jaeger's minDuration/maxDuration take: `100ms`, `1.5s`,
 * `4500ns`, `1m30s`); output is Jaeger UI's short form (`812μs`, `12.35ms`, `1.24s`, `2m 3s`).
 * Duration axes (the timeline ruler, the mini-map, the search scatter plot) take their ticks from
 * `durationTicks` and their labels from `formatDurationTick`, so a bar, its detail and the ruler
 * under it always agree.
 */
import type { Micros } from "$model/time";

const asMicros = (n: number) => n as Micros;

/** Microseconds in one of each Go duration unit. */
const UNIT_MICROS: Record<string, number> = {
  ns: 0.001,
  us: 1,
  "µs": 1, // U+00B5 micro sign
  "μs": 1, // U+03BC Greek mu, which Go also accepts
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
};

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** A Go duration → microseconds (fractions kept), or null when it is not one. Negatives are refused. */
export function parseGoDuration(text: string): Micros | null {
  let rest = text.trim();
  if (rest === "0") return asMicros(0);
  if (rest === "") return null;
  let total = 0;
  while (rest !== "") {
    const match = PART.exec(rest);
    if (!match) return null;
    const [whole, amount = "", unit = ""] = match;
    total += Number(amount) * (UNIT_MICROS[unit] ?? Number.NaN);
    rest = rest.slice(whole.length);
  }
  return Number.isFinite(total) ? asMicros(total) : null;
}

const MICRO = "μs"; // U+03BC, as Jaeger UI writes it
const MS = 1_000;
const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * `value` with at most `digits` decimals, trailing zeros dropped: 1.50 → "1.5", 2.00 → "2".
 * Only zeros after a decimal point go: 500 stays "500" (trimming "500" to "5" was the bug that
 * printed 500 µs as "5μs").
 */
function decimals(value: number, digits: number): string {
  // Half up on the decimal digits people see: 1.005 → 1.01, where toFixed alone (binary 1.00499…) says 1.00.
  const shifted = String(value).includes("e") ? value * 10 ** digits : Number(`${value}e${digits}`);
  const text = (Math.round(shifted) / 10 ** digits).toFixed(digits);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** Decimals a multiple of `step` needs in `unit` to be exact (0–6): 250 µs in s → 2, 500 µs in ms → 1. */
function decimalsFor(step: number, unit: number): number {
  for (let digits = 0; digits < 6; digits++) {
    const scaled = (step / unit) * 10 ** digits;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return digits;
  }
  return 6;
}

/**
 * A duration of a minute or more as clock units, largest first, down to `smallest` (a whole
 * unit) or to seconds with `secondDigits` decimals. Zeros inside are written (`1h 0m 10s`), zeros
 * at the end dropped (`2m`, `1h`), so the parts never have to be guessed.
 */
function clockParts(us: number, smallest: number, secondDigits = 0): string {
  const parts: string[] = [];
  // Round once at the resolution shown, then split: 59.6 s at whole seconds is 1m, never "60s".
  const resolution = smallest === SECOND ? SECOND / 10 ** secondDigits : smallest;
  let rest = Math.round(us / resolution) * resolution;
  for (const [size, unit] of [[DAY, "d"], [HOUR, "h"], [MINUTE, "m"]] as const) {
    if (size < smallest) break;
    const n = Math.floor(rest / size + 1e-9);
    rest -= n * size;
    if (n || parts.length) parts.push(`${n}${unit}`);
  }
  if (smallest === SECOND) parts.push(`${decimals(rest / SECOND, secondDigits)}s`);
  while (parts.length > 1 && /^0(\.0*)?[a-z]+$/.test(parts[parts.length - 1] ?? "")) parts.pop();
  return parts.join(" ");
}

/**
 * Short human form of a duration in microseconds, as Jaeger UI writes it: µs below a
 * millisecond, ms and s with up to two decimals, then two clock units (`812μs`, `1.5ms`,
 * `12.35ms`, `59.9s`, `2m 3s`, `1h 2m`, `1d 3h`). A value that rounds up to the next unit is
 * written in it: 999.6 µs is `1ms`, 59.996 s is `1m`.
 */
export function formatDuration(us: Micros | number): string {
  if (!Number.isFinite(us) || us < 0) return "–";
  if (us === 0) return `0${MICRO}`;
  // Below a microsecond only from nanosecond-precise files (OTLP uploads).
  if (us < 1) return `${decimals(us, 3)}${MICRO}`;
  if (Math.round(us) < MS) return `${Math.round(us)}${MICRO}`;
  if (Math.round(us / 10) < 100_000) return `${decimals(us / MS, 2)}ms`;
  if (Math.round(us / 10_000) < 6_000) return `${decimals(us / SECOND, 2)}s`;
  if (Math.round(us / SECOND) < 3_600) return clockParts(us, SECOND);
  if (Math.round(us / MINUTE) < 1_440) return clockParts(us, MINUTE);
  return clockParts(us, HOUR);
}

/**
 * The label of a tick at `us` on a duration axis whose ticks are `step` µs apart: the unit
 * formatDuration would pick, with as many decimals as the step needs, so neighbouring ticks
 * never read the same (`1.0002s` beside `1.0004s` on a zoomed ruler). Zero is just `0`.
 */
export function formatDurationTick(us: number, step: number): string {
  if (!Number.isFinite(us) || us < 0) return "–";
  if (us === 0) return "0";
  const resolution = step > 0 ? step : us;
  if (us < MS) return `${decimals(us, decimalsFor(resolution, 1))}${MICRO}`;
  if (us < SECOND) return `${decimals(us / MS, decimalsFor(resolution, MS))}ms`;
  if (us < MINUTE) return `${decimals(us / SECOND, decimalsFor(resolution, SECOND))}s`;
  const smallest = resolution >= DAY && resolution % DAY === 0 ? DAY : resolution >= HOUR && resolution % HOUR === 0 ? HOUR : resolution >= MINUTE && resolution % MINUTE === 0 ? MINUTE : SECOND;
  return clockParts(us, smallest, smallest === SECOND ? decimalsFor(resolution, SECOND) : 0);
}

/**
 * Steps a duration axis may take, in µs: 1, 2 or 5 × 10ⁿ up to 10 s, then round numbers on a
 * clock (15 s, 30 s, 1 m, 5 m, …), so a ten-minute trace is ruled at 2m, 4m, … rather than at
 * 1m 40s, 3m 20s.
 */
const CLOCK_STEPS = [15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY];

function durationStep(rough: number): number {
  if (rough > 10 * SECOND) {
    const clock = CLOCK_STEPS.find((s) => s >= rough);
    if (clock) return clock;
    // Past a day: whole days, 1, 2 or 5 × 10ⁿ of them.
    return DAY * niceStep(rough / DAY);
  }
  return niceStep(rough);
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough * (1 - 1e-9)) ?? 10 * power;
}

/**
 * Ticks for a duration axis over [from, to] µs: at most `maxTicks` steps, each a round duration,
 * the first at or after `from`. Values are whole multiples of the step (no float dust such as
 * 0.30000000000000004), to be labelled with formatDurationTick(value, step).
 */
export function durationTicks(from: number, to: number, maxTicks: number): { values: number[]; step: number } {
  const range = to - from;
  if (!(range > 0) || !(maxTicks >= 1) || !Number.isFinite(range)) return { values: [from], step: 0 };
  const step = durationStep(range / maxTicks);
  const values: number[] = [];
  for (let i = Math.ceil(from / step - 1e-9); i * step <= to + step * 1e-9; i++) values.push(Number((i * step).toPrecision(12)));
  return { values, step };
}
