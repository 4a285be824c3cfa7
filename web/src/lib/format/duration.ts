/**
 * Durations as people type and read them. Input follows Go's `time.ParseDuration` (what Jaeger's
 * minDuration/maxDuration take: `100ms`, `1.5s`, `4500ns`, `1m30s`); output is Jaeger UI's short
 * form (`812μs`, `12.35ms`, `1.24s`, `2m 3s`).
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

function trimDecimals(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.?0+$/, "");
}

/** Short human form of a duration in microseconds. */
export function formatDuration(us: Micros | number): string {
  if (!Number.isFinite(us) || us < 0) return "–";
  if (us < 1) return us === 0 ? "0μs" : `${trimDecimals(us, 3)}μs`;
  if (us < 1_000) return `${trimDecimals(us, 0)}μs`;
  if (us < 1_000_000) return `${trimDecimals(us / 1_000, 2)}ms`;
  if (us < 60_000_000) return `${trimDecimals(us / 1_000_000, 2)}s`;
  const totalSeconds = Math.round(us / 1_000_000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return minutes ? `${hours}h ${minutes}m` : `${hours}h`;
  return seconds ? `${minutes}m ${seconds}s` : `${minutes}m`;
}
