import { describe, expect, it } from "vitest";
import type { JaegerTrace } from "$jaeger/v1-types";
import type { UsageReport } from "../api/types";
import { probeFirstSpan, type ProbeApi } from "./first-span";

const usage = (spansAppended: number, openTraces = 0): UsageReport => ({ usage: { since: 0, spansAppended, tracesCompleted: 0 }, openTraces });
const trace = (traceID: string, service: string) =>
  ({
    traceID,
    spans: [{ traceID, spanID: "1", operationName: "GET /", references: [], startTime: 1, duration: 1, tags: [], logs: [], processID: "p1", warnings: null, flags: 1 }],
    processes: { p1: { serviceName: service, tags: [] } },
    warnings: null,
  }) as unknown as JaegerTrace;

function fakeApi(state: { spans: number; services?: string[]; newest?: [traceID: string, service: string]; servicesFail?: boolean }): ProbeApi & { searches: string[] } {
  const searches: string[] = [];
  return {
    searches,
    usage: async () => usage(state.spans),
    services: async () => {
      if (state.servicesFail) throw new Error("404");
      return state.services ?? [];
    },
    findTraces: async (params) => {
      searches.push(params.toString());
      return state.newest ? [trace(...state.newest)] : [];
    },
  };
}

describe("probeFirstSpan", () => {
  it("waits while nothing has arrived", async () => {
    expect(await probeFirstSpan(fakeApi({ spans: 0 }), 1e15)).toEqual({ phase: "waiting" });
  });

  it("says spans are arriving before any trace is searchable", async () => {
    expect(await probeFirstSpan(fakeApi({ spans: 12 }), 1e15)).toEqual({ phase: "arriving", spans: 12, service: null });
    expect(await probeFirstSpan(fakeApi({ spans: 12, services: ["checkout"] }), 1e15)).toEqual({ phase: "arriving", spans: 12, service: "checkout" });
  });

  it("finds the newest trace of any service in the last hour, named by its root's service", async () => {
    const api = fakeApi({ spans: 40, services: ["a", "b"], newest: ["abc123", "b"] });
    expect(await probeFirstSpan(api, 1e15)).toEqual({ phase: "found", spans: 40, service: "b", traceID: "abc123" });
    expect(api.searches).toEqual([`start=${1e15 - 3600e6}&end=${1e15}&lookback=1h&limit=1`]);
  });

  it("does not search while nothing has arrived", async () => {
    const api = fakeApi({ spans: 0 });
    await probeFirstSpan(api, 1e15);
    expect(api.searches).toEqual([]);
  });

  it("counts services as evidence even when usage restarted at zero", async () => {
    expect(await probeFirstSpan(fakeApi({ spans: 0, services: ["a"], newest: ["t1", "a"] }), 1e15)).toMatchObject({ phase: "found", traceID: "t1" });
  });

  it("still reports arriving spans when the services API fails", async () => {
    expect(await probeFirstSpan(fakeApi({ spans: 3, servicesFail: true }), 1e15)).toEqual({ phase: "arriving", spans: 3, service: null });
  });
});
