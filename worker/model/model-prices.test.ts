import { describe, expect, it } from "vitest";
import { costOf, DEFAULT_MODEL_PRICES, MODEL_PRICE_LIMITS, parsePriceTable, priceOf } from "./model-prices";

describe("priceOf", () => {
  const table = [
    { model: "gpt-4o", inputPerMillion: 2.5, outputPerMillion: 10 },
    { model: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6 },
  ];

  it("matches exactly, case-insensitively", () => {
    expect(priceOf(table, "GPT-4o")?.inputPerMillion).toBe(2.5);
  });

  it("prices a dated or versioned name as the longest family it starts with", () => {
    expect(priceOf(table, "gpt-4o-mini-2024-07-18")?.model).toBe("gpt-4o-mini");
    expect(priceOf(table, "gpt-4o-2024-08-06")?.model).toBe("gpt-4o");
  });

  it("does not price a different model that merely shares letters", () => {
    expect(priceOf(table, "gpt-4omni")).toBeUndefined();
    expect(priceOf(table, "llama-3")).toBeUndefined();
    expect(priceOf(table, "")).toBeUndefined();
  });

  it("costs tokens per million", () => {
    expect(costOf(table[1] as (typeof table)[number], 1_000_000, 1_000_000)).toBeCloseTo(0.75, 12);
  });

  it("has defaults that pass its own validation", () => {
    expect(parsePriceTable(DEFAULT_MODEL_PRICES.map((p) => ({ ...p })))).toMatchObject({ ok: true });
  });
});

describe("parsePriceTable", () => {
  const ok = { model: "m", inputPerMillion: 1, outputPerMillion: 2 };

  it.each([
    ["not an array", { a: 1 }, "prices"],
    ["an entry that is not an object", [1], "prices[0]"],
    ["an empty model", [{ ...ok, model: "  " }], "prices[0].model"],
    ["a model too long", [{ ...ok, model: "m".repeat(MODEL_PRICE_LIMITS.maxModelLength + 1) }], "prices[0].model"],
    ["a control character", [{ ...ok, model: "a\nb" }], "prices[0].model"],
    ["a model listed twice", [ok, { ...ok, model: "M" }], "prices[1].model"],
    ["a negative price", [{ ...ok, inputPerMillion: -1 }], "prices[0].inputPerMillion"],
    ["a price as a string", [{ ...ok, outputPerMillion: "2" }], "prices[0].outputPerMillion"],
    ["a missing price", [{ model: "m", inputPerMillion: 1 }], "prices[0].outputPerMillion"],
    ["a price over the bound", [{ ...ok, inputPerMillion: MODEL_PRICE_LIMITS.maxPerMillion + 1 }], "prices[0].inputPerMillion"],
    ["an unknown field", [{ ...ok, currency: "EUR" }], "prices[0].currency"],
    ["too many models", Array.from({ length: MODEL_PRICE_LIMITS.maxModels + 1 }, (_, i) => ({ ...ok, model: `m${i}` })), "prices"],
  ])("refuses %s, naming the field", (_, input, field) => {
    const result = parsePriceTable(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.field).toBe(field);
  });

  it("accepts an empty table, zero prices and trims names", () => {
    expect(parsePriceTable([])).toEqual({ ok: true, prices: [] });
    expect(parsePriceTable([{ model: " local ", inputPerMillion: 0, outputPerMillion: 0 }])).toEqual({ ok: true, prices: [{ model: "local", inputPerMillion: 0, outputPerMillion: 0 }] });
  });
});
