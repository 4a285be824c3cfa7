import { describe, expect, it } from "vitest";
import { formatCost, formatTokens, formatUsd } from "./genai-format";

describe("formatUsd", () => {
  it.each([
    [0, "$0"],
    [0.00045, "$0.00045"],
    [0.000181, "$0.00018"],
    [0.0026, "$0.0026"],
    [0.012, "$0.012"],
    [0.1, "$0.10"],
    [0.5, "$0.50"],
    [12.345, "$12.35"],
    [1234.5, "$1,235"],
    [0.00000001, "$0.00000001"],
  ])("writes %s as %s", (usd, text) => {
    expect(formatUsd(usd)).toBe(text);
  });
});

describe("formatCost", () => {
  it("says no price rather than $0 for tokens the table cannot price", () => {
    expect(formatCost(0, false)).toBe("no price");
    expect(formatCost(0, true)).toBe("$0");
    expect(formatCost(0.00045, false)).toBe("≥ $0.00045");
  });
});

describe("formatTokens", () => {
  it("separates thousands", () => {
    expect(formatTokens(2_400)).toBe("2,400");
    expect(formatTokens(0)).toBe("0");
  });
});
