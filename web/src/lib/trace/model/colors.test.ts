import { describe, expect, it } from "vitest";
import { serviceHue } from "../../format/color";
import { distinctHues } from "./colors";

const gap = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

describe("distinctHues", () => {
  it("keeps the app-wide hue of a service that clashes with nothing", () => {
    expect(distinctHues(["frontend", "driver"])).toEqual([serviceHue("frontend"), serviceHue("driver")]);
  });

  it("turns a later service away from an earlier one with nearly the same hue", () => {
    // frontend and notification hash 7° apart.
    const [frontend, notification] = distinctHues(["frontend", "notification"]);
    expect(frontend).toBe(serviceHue("frontend"));
    expect(gap(frontend ?? 0, notification ?? 0)).toBeGreaterThanOrEqual(22);
  });

  it("keeps a dozen services apart", () => {
    const hues = distinctHues(["frontend", "api-gateway", "checkout", "cart", "catalog", "pricing", "inventory", "payments", "fraud-detection", "shipping", "postgres", "redis"]);
    for (let i = 0; i < hues.length; i++) for (let j = 0; j < i; j++) expect(gap(hues[i] ?? 0, hues[j] ?? 0)).toBeGreaterThanOrEqual(22);
  });
});
