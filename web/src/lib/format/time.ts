/**
 * Points in time for display and for `<input type="datetime-local">`, which speaks local time
 * without a zone (`2026-11-24T09:30`). Microseconds are Jaeger's unit; key times are ms.
 */
import type { Micros } from "$model/time";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `YYYY-MM-DDTHH:MM` in the viewer's zone, for a datetime-local input. */
export function toLocalInput(us: Micros | number): string {
  const d = new Date(us / 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (viewer's zone) → µs since the epoch, or null when blank or invalid. */
export function fromLocalInput(value: string): Micros | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  const ms = date.getTime();
  return Number.isNaN(ms) ? null : ((ms * 1000) as Micros);
}

/** `Nov 24, 09:30:12.345` — a trace start, precise enough to tell neighbours apart. */
export function formatTimestamp(us: Micros | number): string {
  const d = new Date(us / 1000);
  const date = d.toLocaleDateString("en", { month: "short", day: "numeric" });
  return `${date}, ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `3 min ago`, `in 2 h`, `just now`: for "last used" and "created". */
export function formatRelative(ms: number, nowMs: number): string {
  const seconds = Math.round((nowMs - ms) / 1000);
  const abs = Math.abs(seconds);
  const say = (n: number, unit: string) => (seconds >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`);
  if (abs < 45) return "just now";
  if (abs < 3600) return say(Math.round(abs / 60), "min");
  if (abs < 86_400) return say(Math.round(abs / 3600), "h");
  if (abs < 86_400 * 45) return say(Math.round(abs / 86_400), abs < 86_400 * 1.5 ? "day" : "days");
  return new Date(ms).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
}
