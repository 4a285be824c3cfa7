import { describe, expect, it } from "vitest";
import { describeCaps, parseCap, parseCaps } from "./caps";

describe("key caps in the keys page", () => {
  it("reads an empty field as no cap and digits with separators as a number", () => {
    expect(parseCap("  ")).toEqual({ cap: null });
    expect(parseCap("1,000,000")).toEqual({ cap: 1_000_000 });
    expect(parseCap("500")).toEqual({ cap: 500 });
  });

  it.each(["0", "-5", "1.5", "ten", "1e3"])("refuses %j", (text) => {
    expect(parseCap(text)).toHaveProperty("error");
  });

  it("keys errors by the API's field names", () => {
    expect(parseCaps({ spansPerSecond: "x", spansPerDay: "10" })).toEqual({ errors: { "limits.spansPerSecond": expect.any(String) } });
    expect(parseCaps({ spansPerSecond: "", spansPerDay: "10" })).toEqual({ limits: { spansPerSecond: null, spansPerDay: 10 } });
  });

  it("describes caps for the table", () => {
    expect(describeCaps({ spansPerSecond: 500, spansPerDay: 1_000_000 })).toBe("500 spans/s · 1,000,000 spans/day");
    expect(describeCaps({ spansPerSecond: null, spansPerDay: null })).toBe("");
  });
});
