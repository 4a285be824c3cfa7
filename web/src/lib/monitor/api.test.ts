import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors";
import { metricsPath, overviewPath, settle } from "./api";

const MINUTE = 60_000;

describe("metricsPath", () => {
  it("asks the per-service route for the window, step and kinds", () => {
    const path = metricsPath({ service: "eta planner/v2", start: 1000, end: 61_000, step: MINUTE, kinds: ["server", "consumer"] });
    expect(path).toBe("/api/services/eta%20planner%2Fv2/metrics?start=1000&end=61000&step=60000&spanKind=server&spanKind=consumer");
  });
});

describe("overviewPath", () => {
  const query = { services: ["frontend", "driver"], start: 10 * MINUTE, end: 70 * MINUTE, kinds: ["server", "consumer"] as const };

  it("asks Jaeger's metrics route for one point a service whose window is the range", () => {
    const params = new URL(overviewPath("latencies", query), "http://x").searchParams;
    expect(params.getAll("service")).toEqual(["frontend", "driver"]);
    expect(params.get("quantile")).toBe("0.95");
    const end = Number(params.get("endTs"));
    const lookback = Number(params.get("lookback"));
    const step = Number(params.get("step"));
    const ratePer = Number(params.get("ratePer"));
    // The route's points are at endTs − lookback, + step, … up to endTs: here exactly one.
    const first = end - lookback;
    expect(first + step).toBeGreaterThan(end);
    // Its window is [t − ratePer, t), and the route reads buckets from endTs − lookback − ratePer.
    expect(first - ratePer).toBe(query.start);
    expect(first).toBe(query.end - 1);
    expect(params.getAll("spanKind")).toEqual(["server", "consumer"]);
  });

  it("asks no quantile of the call and error rates", () => {
    expect(new URL(overviewPath("calls", query), "http://x").searchParams.has("quantile")).toBe(false);
    expect(overviewPath("errors", query).startsWith("/api/metrics/errors?")).toBe(true);
  });
});

describe("settle", () => {
  it("turns an answer and a failure into results, never a rejection", async () => {
    expect(await settle(Promise.resolve(3))).toEqual({ ok: true, value: 3 });
    expect(await settle(Promise.reject(new ApiError(503, "unavailable", "try later")))).toEqual({ ok: false, error: "try later", status: 503 });
    expect(await settle(Promise.reject(new Error("boom")))).toEqual({ ok: false, error: "boom", status: 0 });
  });
});
