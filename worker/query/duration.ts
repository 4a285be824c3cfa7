/**
 * Durations as Jaeger's query API takes them: Go's `time.ParseDuration` syntax ("100ms", "1.2s",
 * "4500ns", "1h30m", "2us"/"2µs"), in nanoseconds. Jaeger UI's lookback also uses days ("2d"),
 * which Go does not know; `parseLookback` adds them.
 */

/** A duration in nanoseconds (a JS number holds them exactly up to ~104 days, 2^53 ns). */
export type Nanos = number & { readonly __unit: "ns" };

export const nanos = (n: number): Nanos => n as Nanos;

const UNIT_NANOS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5 micro sign
  "μs": 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;

/** Parses a Go duration; throws a RangeError whose message says what is wrong. */
export function parseGoDuration(text: string, options: { days?: boolean } = {}): Nanos {
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  // Go accepts a bare zero without a unit, and nothing else without one.
  if (rest === "0") return nanos(0);
  if (rest === "") throw new RangeError(`invalid duration "${text}"`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const at = PART.lastIndex;
    const match = PART.exec(rest);
    if (!match || match.index !== at) {
      throw new RangeError(`invalid duration "${text}": expected a number and a unit (ns, us, ms, s, m, h)`);
    }
    const [, number = "", unit = ""] = match;
    const scale = unit === "d" ? (options.days ? 86_400e9 : undefined) : UNIT_NANOS[unit];
    if (scale === undefined) throw new RangeError(`invalid duration "${text}": unknown unit "${unit}"`);
    total += Number(number) * scale;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) throw new RangeError(`duration "${text}" is too large`);
  return nanos(sign * Math.round(total));
}

/** Jaeger UI's lookback ("1h", "2d", or "custom" when it sends start/end instead). */
export function parseLookback(text: string): Nanos | null {
  if (text === "" || text === "custom") return null;
  return parseGoDuration(text, { days: true });
}

/** Go's `Duration.String()` shape for the few durations we print (clock-skew warnings). */
export function formatGoDuration(ns: number): string {
  const sign = ns < 0 ? "-" : "";
  const abs = Math.abs(ns);
  if (abs === 0) return "0s";
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${trim(abs / 1e3)}µs`;
  if (abs < 1e9) return `${sign}${trim(abs / 1e6)}ms`;
  const hours = Math.floor(abs / 3600e9);
  const minutes = Math.floor((abs % 3600e9) / 60e9);
  const seconds = (abs % 60e9) / 1e9;
  return `${sign}${hours ? `${hours}h` : ""}${hours || minutes ? `${minutes}m` : ""}${trim(seconds)}s`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
