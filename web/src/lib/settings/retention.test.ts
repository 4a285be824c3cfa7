import { describe, expect, it } from "vitest";
import { changePreview, dayCount, parseRetentionDays, retentionChange, savedMessage, shorteningQuestion } from "./retention";

const limits = { min: 1, max: 90 };

describe("parseRetentionDays", () => {
  it("takes a whole number of days within the limits, spaces around it allowed", () => {
    expect(parseRetentionDays("7", limits)).toEqual({ ok: true, days: 7 });
    expect(parseRetentionDays(" 90 ", limits)).toEqual({ ok: true, days: 90 });
    expect(parseRetentionDays("1", limits)).toEqual({ ok: true, days: 1 });
    expect(parseRetentionDays("030", limits)).toEqual({ ok: true, days: 30 });
  });

  it("asks for a number when the field is empty", () => {
    expect(parseRetentionDays("  ", limits)).toEqual({ ok: false, error: "Enter a whole number of days from 1 to 90." });
  });

  it("refuses fractions, signs, exponents and words, quoting what was typed", () => {
    for (const text of ["7.5", "-3", "1e1", "0x1f", "seven", "7 days"]) {
      const parsed = parseRetentionDays(text, limits);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.error).toBe(`“${text}” is not a number of days. Enter a whole number of days from 1 to 90.`);
    }
  });

  it("names the bound a number falls outside of", () => {
    expect(parseRetentionDays("0", limits)).toEqual({ ok: false, error: "Keep traces for at least 1 day." });
    expect(parseRetentionDays("91", limits)).toEqual({ ok: false, error: "Traces can be kept for at most 90 days. Archive the ones you need for longer." });
  });

  it("follows the limits the server sends", () => {
    expect(parseRetentionDays("120", { min: 3, max: 365 })).toEqual({ ok: true, days: 120 });
    expect(parseRetentionDays("2", { min: 3, max: 365 })).toEqual({ ok: false, error: "Keep traces for at least 3 days." });
  });
});

describe("retentionChange", () => {
  it("counts the days of traces a shorter retention deletes", () => {
    expect(retentionChange(30, 7)).toEqual({ kind: "shorter", from: 30, to: 7, deletedDays: 23 });
    expect(retentionChange(2, 1)).toEqual({ kind: "shorter", from: 2, to: 1, deletedDays: 1 });
  });

  it("tells a longer and an unchanged retention apart", () => {
    expect(retentionChange(7, 30)).toEqual({ kind: "longer", from: 7, to: 30 });
    expect(retentionChange(30, 30)).toEqual({ kind: "unchanged", days: 30 });
  });
});

describe("the words for a change", () => {
  it("says how many days of traces shortening deletes, before and in the confirmation", () => {
    const change = retentionChange(30, 7);
    expect(changePreview(change)).toBe("Saving deletes 23 days of traces: everything older than 7 days, within minutes. Archived traces are kept.");
    if (change.kind !== "shorter") throw new Error("expected a shorter retention");
    expect(shorteningQuestion(change)).toEqual({
      title: "Delete 23 days of traces?",
      body: "Retention goes from 30 days to 7 days. Every trace older than 7 days is deleted within minutes and cannot be recovered. Archived traces are kept.",
      confirm: "Shorten to 7 days",
    });
    expect(savedMessage(change)).toBe("Saved: traces are now kept for 7 days. Older traces are being deleted and will be gone within minutes.");
  });

  it("uses the singular for one day", () => {
    const change = retentionChange(2, 1);
    expect(changePreview(change)).toBe("Saving deletes 1 day of traces: everything older than 1 day, within minutes. Archived traces are kept.");
    expect(dayCount(1)).toBe("1 day");
  });

  it("warns that a longer retention does not bring deleted traces back, and says nothing when unchanged", () => {
    expect(changePreview(retentionChange(7, 30))).toBe("Traces will be kept for 30 days. Traces already deleted do not come back.");
    expect(changePreview(retentionChange(30, 30))).toBe("");
    expect(savedMessage(retentionChange(7, 30))).toBe("Saved: traces are now kept for 30 days.");
  });
});
