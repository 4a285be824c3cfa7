import { describe, expect, it } from "vitest";
import { normalizeTrace } from "./normalize";
import { sortStats, traceStatistics } from "./stats";
import { makeTrace } from "./testing/builders";

/**
 *   0         50        100
 *   a frontend GET / ─────────────   [0, 100]   self 40
 *   ├ b api  query   ───             [10, 30]   self 20
 *   ├ c api  query        ───        [40, 60]   self 10, error
 *   │ └ d db SELECT        ─         [45, 55]   self 10
 *   └ e api  render            ──    [70, 90]   self 20
 */
const trace = () =>
  normalizeTrace(
    makeTrace([
      { id: "a", service: "frontend", op: "GET /", start: 0, duration: 100 },
      { id: "b", parent: "a", service: "api", op: "query", start: 10, duration: 20 },
      { id: "c", parent: "a", service: "api", op: "query", start: 40, duration: 20, error: true },
      { id: "d", parent: "c", service: "db", op: "SELECT", start: 45, duration: 10 },
      { id: "e", parent: "a", service: "api", op: "render", start: 70, duration: 20 },
    ]),
  );

describe("traceStatistics", () => {
  it("sums self time by service, most first, with shares of all self time", () => {
    const rows = traceStatistics(trace(), "service");
    expect(rows.map((r) => [r.service, r.count, r.errors, r.selfTotal, r.total])).toEqual([
      ["api", 3, 1, 50, 60],
      ["frontend", 1, 0, 40, 100],
      ["db", 1, 0, 10, 10],
    ]);
    expect(rows.map((r) => r.selfShare)).toEqual([0.5, 0.4, 0.1]);
    expect(rows.every((r) => r.operation === null)).toBe(true);
  });

  it("splits by service and operation with min, max and averages", () => {
    const query = traceStatistics(trace(), "operation").find((r) => r.operation === "query");
    expect(query).toMatchObject({ service: "api", count: 2, errors: 1, total: 40, avg: 20, min: 20, max: 20, selfTotal: 30, selfAvg: 15, selfMin: 10, selfMax: 20 });
  });

  it("sorts by any column either way, ties by key", () => {
    const rows = traceStatistics(trace(), "operation");
    expect(sortStats(rows, "count", "desc")[0]?.operation).toBe("query");
    expect(sortStats(rows, "operation", "asc").map((r) => r.operation)).toEqual(["GET /", "query", "render", "SELECT"]);
  });
});
