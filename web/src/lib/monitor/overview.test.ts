import { describe, expect, it } from "vitest";
import type { MetricFamily } from "./api";
import { DEFAULT_SERVICE_SORT, familyValues, nextServiceSort, overviewRows, sortServices } from "./overview";

/** A MetricFamily as Jaeger's route answers it: one series a service, points oldest first. */
function family(values: Record<string, number[]>): MetricFamily {
  return {
    name: "service_call_rate",
    metrics: Object.entries(values).map(([service, points]) => ({
      labels: [{ name: "service_name", value: service }],
      metricPoints: points.map((v, i) => ({ gaugeValue: { doubleValue: v }, timestamp: new Date(i * 60_000).toISOString() })),
    })),
  };
}

describe("familyValues", () => {
  it("takes each service's last point", () => {
    expect(familyValues(family({ frontend: [1, 2.5], driver: [0.4] }))).toEqual(
      new Map([
        ["frontend", 2.5],
        ["driver", 0.4],
      ]),
    );
  });

  it("skips series without a service or a point", () => {
    const odd: MetricFamily = {
      name: "x",
      metrics: [
        { labels: [{ name: "operation", value: "GET /" }], metricPoints: [{ gaugeValue: { doubleValue: 1 }, timestamp: "" }] },
        { labels: [{ name: "service_name", value: "quiet" }], metricPoints: [] },
      ],
    };
    expect(familyValues(odd).size).toBe(0);
  });
});

describe("overviewRows", () => {
  const rows = overviewRows(["customer", "frontend", "idle"], {
    calls: family({ frontend: [0.5], customer: [0.5], late: [0.1] }),
    errors: family({ frontend: [0.03] }),
    latencies: family({ frontend: [812.5], customer: [301], late: [4] }),
  });
  const byName = new Map(rows.map((r) => [r.name, r]));

  it("lists every service, with the metrics of those that were called", () => {
    expect(byName.get("frontend")).toEqual({ name: "frontend", rate: 0.5, errorRate: 0.03, p95: 812.5 });
  });

  it("reads no error series as no errors, for a service that was called", () => {
    expect(byName.get("customer")?.errorRate).toBe(0);
  });

  it("lists an idle service with no rate and no error rate or latency", () => {
    expect(byName.get("idle")).toEqual({ name: "idle", rate: 0, errorRate: null, p95: null });
  });

  it("keeps a service the metrics know before the service list does", () => {
    expect(byName.get("late")?.p95).toBe(4);
  });
});

describe("sortServices", () => {
  const rows = [
    { name: "b", rate: 2, errorRate: 0, p95: 10 },
    { name: "idle", rate: 0, errorRate: null, p95: null },
    { name: "a", rate: 2, errorRate: 0.5, p95: 900 },
  ];

  it("puts the busiest first by default, ties by name", () => {
    expect(sortServices(rows, DEFAULT_SERVICE_SORT).map((r) => r.name)).toEqual(["a", "b", "idle"]);
  });

  it("keeps idle services last when sorting by latency either way", () => {
    const slowest = nextServiceSort(DEFAULT_SERVICE_SORT, "p95");
    expect(sortServices(rows, slowest).map((r) => r.name)).toEqual(["a", "b", "idle"]);
    expect(sortServices(rows, nextServiceSort(slowest, "p95")).map((r) => r.name)).toEqual(["b", "a", "idle"]);
  });
});
