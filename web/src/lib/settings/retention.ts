/**
 * The retention form's rules, apart from the page: reading the number typed, and saying what a
 * change will do before it is saved. The server (worker/routes/settings.ts) stays the authority;
 * this mirrors its rule so a typo is flagged without a round trip, in words for a person rather
 * than the API's field names.
 */

export interface RetentionLimits {
  min: number;
  max: number;
}

export type ParsedRetention = { ok: true; days: number } | { ok: false; error: string };

/** "1 day", "23 days". */
export function dayCount(days: number): string {
  return `${days.toLocaleString("en-US")} ${days === 1 ? "day" : "days"}`;
}

/** What was typed in the days field: a whole number within the limits, or why not. */
export function parseRetentionDays(text: string, limits: RetentionLimits): ParsedRetention {
  const wanted = `a whole number of days from ${limits.min} to ${limits.max}`;
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, error: `Enter ${wanted}.` };
  // Digits only: Number() would take "1e1", "0x1f" and " 7 " — none of which anyone means.
  if (!/^\d+$/.test(trimmed)) return { ok: false, error: `“${trimmed.slice(0, 20)}” is not a number of days. Enter ${wanted}.` };
  const days = Number(trimmed);
  if (days < limits.min) return { ok: false, error: `Keep traces for at least ${dayCount(limits.min)}.` };
  if (days > limits.max) return { ok: false, error: `Traces can be kept for at most ${dayCount(limits.max)}. Archive the ones you need for longer.` };
  return { ok: true, days };
}

/**
 * What saving `to` does when traces are kept for `from` days now. Shortening deletes what lies
 * between the two ages (up to `from - to` days of traces, if the account is that old).
 */
export type RetentionChange =
  | { kind: "unchanged"; days: number }
  | { kind: "longer"; from: number; to: number }
  | { kind: "shorter"; from: number; to: number; deletedDays: number };

export function retentionChange(from: number, to: number): RetentionChange {
  if (to === from) return { kind: "unchanged", days: to };
  if (to > from) return { kind: "longer", from, to };
  return { kind: "shorter", from, to, deletedDays: from - to };
}

/** The one line under the field while a different value is typed, before anything is saved. */
export function changePreview(change: RetentionChange): string {
  switch (change.kind) {
    case "unchanged":
      return "";
    case "longer":
      return `Traces will be kept for ${dayCount(change.to)}. Traces already deleted do not come back.`;
    case "shorter":
      return `Saving deletes ${dayCount(change.deletedDays)} of traces: everything older than ${dayCount(change.to)}, within minutes. Archived traces are kept.`;
  }
}

/** What the confirmation asks before a shorter retention is saved. */
export function shorteningQuestion(change: Extract<RetentionChange, { kind: "shorter" }>): { title: string; body: string; confirm: string } {
  return {
    title: `Delete ${dayCount(change.deletedDays)} of traces?`,
    body:
      `Retention goes from ${dayCount(change.from)} to ${dayCount(change.to)}. ` +
      `Every trace older than ${dayCount(change.to)} is deleted within minutes and cannot be recovered. Archived traces are kept.`,
    confirm: `Shorten to ${dayCount(change.to)}`,
  };
}

/** The confirmation once the server has the new value. */
export function savedMessage(change: RetentionChange): string {
  switch (change.kind) {
    case "unchanged":
      return `Saved: traces are kept for ${dayCount(change.days)}.`;
    case "longer":
      return `Saved: traces are now kept for ${dayCount(change.to)}.`;
    case "shorter":
      return `Saved: traces are now kept for ${dayCount(change.to)}. Older traces are being deleted and will be gone within minutes.`;
  }
}
