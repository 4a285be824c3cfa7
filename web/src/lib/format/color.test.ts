import { describe, expect, it } from "vitest";
import { serviceHue } from "./color";

describe("serviceHue", () => {
  it("gives a service the same hue every time, within the colour wheel", () => {
    expect(serviceHue("frontend")).toBe(serviceHue("frontend"));
    for (const name of ["", "a", "frontend", "mysql", "redis", "x".repeat(500)]) {
      const hue = serviceHue(name);
      expect(hue).toBeGreaterThanOrEqual(0);
      expect(hue).toBeLessThan(360);
    }
  });

  it("tells similar names apart", () => {
    expect(serviceHue("api")).not.toBe(serviceHue("api-2"));
  });
});
