/**
 * A key's caps as the keys page shows and edits them: an empty field is "no cap", anything else
 * must be a whole number ≥ 1 (the API says the same; checking here spares a round trip).
 */
import type { KeyLimits } from "$lib/api/types";

export const CAP_FIELDS = ["spansPerSecond", "spansPerDay"] as const;
export type CapField = (typeof CAP_FIELDS)[number];

export const CAP_LABELS: Record<CapField, string> = { spansPerSecond: "Max spans per second", spansPerDay: "Max spans per day (UTC)" };

/** A field's text as a cap: null for empty, a number, or an error message. */
export function parseCap(text: string): { cap: number | null } | { error: string } {
  const trimmed = text.trim().replaceAll(/[,_\s]/g, "");
  if (trimmed === "") return { cap: null };
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || !Number.isSafeInteger(Number(trimmed))) {
    return { error: "a whole number of spans, at least 1 — or empty for no cap" };
  }
  return { cap: Number(trimmed) };
}

/** Both fields as limits, or the errors keyed as the API keys them (`limits.spansPerDay`). */
export function parseCaps(texts: Record<CapField, string>): { limits: KeyLimits } | { errors: Record<string, string> } {
  const limits: KeyLimits = { spansPerSecond: null, spansPerDay: null };
  const errors: Record<string, string> = {};
  for (const field of CAP_FIELDS) {
    const parsed = parseCap(texts[field]);
    if ("error" in parsed) errors[`limits.${field}`] = parsed.error;
    else limits[field] = parsed.cap;
  }
  return Object.keys(errors).length > 0 ? { errors } : { limits };
}

/** The text a field starts from for a key's current cap. */
export function capText(cap: number | null): string {
  return cap === null ? "" : String(cap);
}

/** "500 spans/s · 1,000,000 spans/day", or "" without caps. */
export function describeCaps(limits: KeyLimits): string {
  const parts: string[] = [];
  if (limits.spansPerSecond !== null) parts.push(`${limits.spansPerSecond.toLocaleString("en-US")} spans/s`);
  if (limits.spansPerDay !== null) parts.push(`${limits.spansPerDay.toLocaleString("en-US")} spans/day`);
  return parts.join(" · ");
}
