import { describe, expect, it } from "vitest";
import { isPlan, planOf, PLANS } from "./plans";

describe("plans", () => {
  it("names the configured plans, and falls back to free for a name no longer configured", () => {
    expect(planOf("team")).toBe(PLANS.team);
    expect(planOf("gold").name).toBe("free");
    expect(planOf(undefined).name).toBe("free");
  });

  it("treats an object's built-in names as no plan", () => {
    expect(isPlan("toString")).toBe(false);
    expect(isPlan("constructor")).toBe(false);
    expect(planOf("__proto__").name).toBe("free");
  });

  it("adds and replaces plans from PLAN_OVERRIDES, ignoring entries that are not whole positive numbers", () => {
    const overrides = JSON.stringify({
      tiny: { spansPerSecond: 10, burstSpans: 20, spansPerMonth: 1000 },
      free: { spansPerSecond: 1, burstSpans: 1, spansPerMonth: 1 },
      broken: { spansPerSecond: -1, burstSpans: 1, spansPerMonth: 1 },
    });
    expect(planOf("tiny", overrides)).toEqual({ name: "tiny", spansPerSecond: 10, burstSpans: 20, spansPerMonth: 1000 });
    expect(planOf("free", overrides).spansPerSecond).toBe(1);
    expect(isPlan("broken", overrides)).toBe(false);
    expect(isPlan("tiny", overrides)).toBe(true);
    expect(isPlan("tiny")).toBe(false);
    expect(planOf("team", "not json")).toBe(PLANS.team);
  });
});
