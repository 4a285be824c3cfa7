import { describe, expect, it } from "vitest";
import { adaptiveDraft, buildAdaptive, buildStrategies, buildTail, samplerSnippet, strategiesDraft, tailDraft } from "./drafts";
import type { Strategies } from "./types";

const jaegerFile: Strategies = {
  default_strategy: { type: "probabilistic", param: 0.5, operation_strategies: [{ operation: "/health", type: "probabilistic", param: 0 }] },
  service_strategies: [{ service: "foo", type: "probabilistic", param: 0.8, operation_strategies: [{ operation: "op1", type: "probabilistic", param: 0.2 }] }, { service: "bar", type: "ratelimiting", param: 5 }],
};

describe("the strategies form", () => {
  it("gives back exactly what it was loaded with", () => {
    expect(buildStrategies(strategiesDraft(jaegerFile))).toEqual({ ok: true, value: jaegerFile });
  });

  it("keys each problem by the server's field path, so one place shows both", () => {
    const draft = strategiesDraft(jaegerFile);
    draft.param = "1.5";
    draft.services[0]!.operations[0]!.param = "abc";
    draft.services[1]!.param = "2.5";
    draft.services.push({ service: "foo", type: "probabilistic", param: "1", operations: [] });
    const built = buildStrategies(draft);
    expect(built.ok).toBe(false);
    expect(Object.keys(built.ok ? {} : built.problems).sort()).toEqual([
      "strategies.default_strategy.param",
      "strategies.service_strategies[0].operation_strategies[0].param",
      "strategies.service_strategies[1].param",
      "strategies.service_strategies[2].service",
    ]);
  });

  it("reads numbers as people type them and refuses what Number() would take by accident", () => {
    const draft = strategiesDraft({ default_strategy: { type: "probabilistic", param: 1 }, service_strategies: [] });
    for (const ok of ["0.25", ".5", "1", "0"]) expect(buildStrategies({ ...draft, param: ok }).ok).toBe(true);
    for (const bad of ["", "0x1", "1e-1", "-0.1", " "]) expect(buildStrategies({ ...draft, param: bad }).ok).toBe(false);
  });
});

describe("the tail and adaptive forms", () => {
  it("round-trips a tail policy, an empty threshold meaning none", () => {
    const tail = { keepErrors: false, slowerThanMs: null, slowerThan: [{ service: "api", ms: 250 }, { service: "api", operation: "GET /", ms: 100 }], keepPercent: 10 };
    expect(buildTail(tailDraft(tail))).toEqual({ ok: true, value: tail });
    const bad = buildTail({ ...tailDraft(tail), keepPercent: "101", slowerThanMs: "soon" });
    expect(bad.ok ? [] : Object.keys(bad.problems).sort()).toEqual(["tail.keepPercent", "tail.slowerThanMs"]);
  });

  it("needs a positive target for adaptive mode", () => {
    expect(buildAdaptive(adaptiveDraft({ enabled: true, targetTracesPerSecond: 2 }))).toEqual({ ok: true, value: { enabled: true, targetTracesPerSecond: 2 } });
    expect(buildAdaptive({ enabled: true, target: "0" }).ok).toBe(false);
  });

  it("shows the endpoint in the sampler snippet", () => {
    const snippet = samplerSnippet("https://edgetrace.example/t/abc");
    expect(snippet.env).toBe("EDGETRACE_SAMPLING_ENDPOINT=https://edgetrace.example/t/abc");
    expect(snippet.code).toContain("new JaegerRemoteSampler({");
  });
});
