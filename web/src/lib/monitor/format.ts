/**
 * Numbers of the service map and the Monitor as people read them: request rates in the unit that
 * keeps them above 1 (`12.3/s`, `30/min`, `2/h`), error ratios as percentages that never claim
 * "0%" or "100%" when that is not exactly so, and latencies in ms through the app's one duration
 * formatter, so a p95 reads the same here as on a trace's bar.
 */
import { formatDuration } from "../format/duration";

/** `value` with at most `digits` decimals, trailing zeros dropped: 1.50 → "1.5", 2.00 → "2", 500 → "500". */
export function trimmed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** Three significant digits, at most two decimals: 1.234 → "1.23", 12.34 → "12.3", 123.4 → "123". */
function significant(value: number): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return trimmed(value, digits);
}

export interface RateUnit {
  /** "/s", "/min" or "/h". */
  suffix: string;
  /** Multiply a per-second rate by this to get the rate in this unit. */
  factor: number;
  /** For an axis title: "requests / min". */
  name: string;
}

const PER_SECOND: RateUnit = { suffix: "/s", factor: 1, name: "s" };
const PER_MINUTE: RateUnit = { suffix: "/min", factor: 60, name: "min" };
const PER_HOUR: RateUnit = { suffix: "/h", factor: 3600, name: "h" };

/**
 * The unit that shows `perSecond` as a number of at least 1 where possible: a service called
 * every two minutes is "0.5/min", not "0.00833/s". Zero and below-one-an-hour stay per hour.
 */
export function rateUnit(perSecond: number): RateUnit {
  if (!(perSecond > 0)) return PER_SECOND;
  if (perSecond >= 1) return PER_SECOND;
  if (perSecond * 60 >= 1) return PER_MINUTE;
  return PER_HOUR;
}

/** A request rate (per second) in its readable unit: `12.3/s`, `1.2k/s`, `30/min`, `0.5/h`, `0/s`. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return "–";
  if (perSecond === 0) return "0/s";
  const unit = rateUnit(perSecond);
  const value = perSecond * unit.factor;
  if (value >= 999.5) return `${significant(value / 1000)}k${unit.suffix}`;
  return `${significant(value)}${unit.suffix}`;
}

/**
 * An error ratio (0..1) as a percentage with at most one decimal. Exactly 0 is "0%" and exactly
 * all is "100%"; a ratio that would round to either says so instead ("<0.1%", ">99.9%"), so a
 * single failure among thousands still shows.
 */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio < 0) return "–";
  if (ratio === 0) return "0%";
  if (ratio >= 1) return "100%";
  const percent = ratio * 100;
  if (percent < 0.05) return "<0.1%";
  if (percent >= 99.95) return ">99.9%";
  return `${trimmed(percent, 1)}%`;
}

/** A latency in ms (what the metrics routes answer) through the app's duration formatter. */
export function formatMs(ms: number): string {
  return formatDuration(ms * 1000);
}

/** A count with thousands separators: 12,345. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "–";
}

/** OpenTelemetry's SpanKind numbers (as the metrics route answers them) → the names Jaeger shows. */
const KIND_NAMES = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;

export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? "unknown";
}
