import { describe, expect, it } from "vitest";
import type { OperationStats } from "./api";
import { DEFAULT_SORT, impactShare, nextSort, searchHref, sortOperations } from "./operations";
import { readRange } from "./range";

function makeOperation(overrides: Partial<OperationStats> & { name: string }): OperationStats {
  return { kind: 2, calls: 10, errors: 0, rate: 1, errorRate: 0, p50: 10, p95: 20, p99: 30, impact: 20, ...overrides };
}

const ops = [
  makeOperation({ name: "GET /dispatch", rate: 0.5, p95: 1700, impact: 850, errorRate: 0.03 }),
  makeOperation({ name: "GET /config", rate: 5, p95: 2, impact: 10, kind: 3 }),
  makeOperation({ name: "POST /order", rate: 1, p95: 100, impact: 100, errorRate: 1 }),
];

const names = (list: OperationStats[]) => list.map((o) => o.name);

describe("sortOperations", () => {
  it("puts the most impact first by default", () => {
    expect(names(sortOperations(ops, DEFAULT_SORT))).toEqual(["GET /dispatch", "POST /order", "GET /config"]);
  });

  it("sorts by any numeric column either way", () => {
    expect(names(sortOperations(ops, { column: "rate", direction: "descending" }))).toEqual(["GET /config", "POST /order", "GET /dispatch"]);
    expect(names(sortOperations(ops, { column: "errorRate", direction: "ascending" }))).toEqual(["GET /config", "GET /dispatch", "POST /order"]);
    expect(names(sortOperations(ops, { column: "p95", direction: "ascending" }))).toEqual(["GET /config", "POST /order", "GET /dispatch"]);
  });

  it("sorts names and kinds as text", () => {
    expect(names(sortOperations(ops, { column: "name", direction: "ascending" }))).toEqual(["GET /config", "GET /dispatch", "POST /order"]);
    expect(names(sortOperations(ops, { column: "kind", direction: "descending" }))).toEqual(["GET /dispatch", "POST /order", "GET /config"]);
  });

  it("keeps a fixed order among ties (impact, then name) and leaves its input alone", () => {
    const tied = [makeOperation({ name: "b", impact: 1 }), makeOperation({ name: "a", impact: 1 }), makeOperation({ name: "c", impact: 5 })];
    const before = names(tied);
    expect(names(sortOperations(tied, { column: "p50", direction: "ascending" }))).toEqual(["c", "a", "b"]);
    expect(names(tied)).toEqual(before);
  });

  it("sorts an operation with zero calls and zero latency without NaN trouble", () => {
    const odd = [makeOperation({ name: "x", p95: Number.NaN, impact: 0 }), makeOperation({ name: "y", p95: 0, impact: 0 }), makeOperation({ name: "z", p95: 3 })];
    expect(names(sortOperations(odd, { column: "p95", direction: "descending" }))).toEqual(["z", "x", "y"]);
  });

  it("handles an empty table", () => {
    expect(sortOperations([], DEFAULT_SORT)).toEqual([]);
  });
});

describe("nextSort", () => {
  it("flips the direction on the same column", () => {
    expect(nextSort(DEFAULT_SORT, "impact")).toEqual({ column: "impact", direction: "ascending" });
    expect(nextSort({ column: "impact", direction: "ascending" }, "impact")).toEqual(DEFAULT_SORT);
  });

  it("starts a number column with the biggest and a text column from A", () => {
    expect(nextSort(DEFAULT_SORT, "p99")).toEqual({ column: "p99", direction: "descending" });
    expect(nextSort(DEFAULT_SORT, "name")).toEqual({ column: "name", direction: "ascending" });
  });
});

describe("searchHref", () => {
  it("opens the search for the service and operation over the same range", () => {
    const href = searchHref("frontend", "GET /dispatch", readRange(new URLSearchParams("range=6h")));
    const params = new URL(href, "http://x").searchParams;
    expect(href.startsWith("/search?")).toBe(true);
    expect([...params]).toEqual([
      ["service", "frontend"],
      ["operation", "GET /dispatch"],
      ["lookback", "6h"],
    ]);
  });

  it("leaves the search's default hour out, as the search page writes it", () => {
    expect(searchHref("a b", "x&y=z", readRange(new URLSearchParams()))).toBe("/search?service=a+b&operation=x%26y%3Dz");
  });
});

describe("impactShare", () => {
  it("measures each operation against the biggest", () => {
    expect(ops.map((op) => impactShare(op, ops))).toEqual([1, 10 / 850, 100 / 850]);
  });

  it("is 0 when nothing has any impact", () => {
    const idle = [makeOperation({ name: "a", impact: 0 })];
    expect(impactShare(idle[0] as OperationStats, idle)).toBe(0);
  });
});
