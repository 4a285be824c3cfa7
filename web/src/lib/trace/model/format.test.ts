import { describe, expect, it } from "vitest";
import { formatPercent } from "./format";

describe("formatPercent", () => {
  it("rounds sensibly at both ends", () => {
    expect([0, 0.0004, 0.042, 0.5, 1].map(formatPercent)).toEqual(["0%", "<0.1%", "4.2%", "50%", "100%"]);
  });
});
