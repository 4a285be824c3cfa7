import { describe, expect, it } from "vitest";
import { formatRelative, fromLocalInput, toLocalInput } from "./time";

describe("datetime-local values", () => {
  it("round-trip a minute-aligned time in the viewer's zone", () => {
    const us = new Date(2026, 10, 24, 9, 30).getTime() * 1000;
    expect(toLocalInput(us)).toBe("2026-11-24T09:30");
    expect(fromLocalInput("2026-11-24T09:30")).toBe(us);
  });

  it("accept seconds and refuse anything else", () => {
    expect(fromLocalInput("2026-11-24T09:30:15")).toBe(new Date(2026, 10, 24, 9, 30, 15).getTime() * 1000);
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("yesterday")).toBeNull();
  });
});

describe("formatRelative", () => {
  const now = Date.UTC(2026, 10, 24, 12);
  it.each([
    [now - 10_000, "just now"],
    [now - 3 * 60_000, "3 min ago"],
    [now - 2 * 3_600_000, "2 h ago"],
    [now - 86_400_000, "1 day ago"],
    [now - 3 * 86_400_000, "3 days ago"],
    [now + 5 * 60_000, "in 5 min"],
  ])("writes %d as %s", (ms, expected) => {
    expect(formatRelative(ms, now)).toBe(expected);
  });
});
