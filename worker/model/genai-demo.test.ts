/**
 * The shared GenAI model on the demo's own AI agent traffic (test/demo/traffic.ts, eta-planner):
 * the spans as the OTel SDK exports them, decoded and shown as the Worker answers them.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../test/demo/traffic";
import { toJaegerTrace } from "../jaeger/v1-trace";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
import { assembleTrace } from "../query/assemble";
import { genAiSteps, hasGenAi } from "./genai";
import { DEFAULT_MODEL_PRICES } from "./model-prices";

describe("the demo's eta-planner traces", () => {
  const body = ProtobufTraceSerializer.serializeRequest(collectHotrodSpans({ requests: 60, seed: 7 }).spans) as Uint8Array;
  const batch = decodeProtobufRequest(body).batch;
  const traces = [...new Set(batch.spans.map((s) => s.traceId))].map((id) => toJaegerTrace(assembleTrace(id, [batch])));
  const agentTraces = traces.filter(hasGenAi);

  it("are some of the traffic, and render as agent → model calls and a tool", () => {
    expect(agentTraces.length).toBeGreaterThan(0);
    expect(agentTraces.length).toBeLessThan(traces.length);
    for (const trace of agentTraces) {
      const ai = genAiSteps(trace, DEFAULT_MODEL_PRICES);
      const root = ai.steps[ai.roots[0] as number];
      expect(ai.roots).toHaveLength(1);
      expect(root?.kind).toBe("agent");
      expect(root?.agent).toBe("eta-planner");
      const children = root?.children.map((i) => ai.steps[i]?.kind);
      expect(children?.filter((k) => k === "tool")).toHaveLength(1);
      expect(children?.filter((k) => k === "model").length).toBeGreaterThanOrEqual(2);
    }
  });

  it("count tokens once: the agent's reported totals equal its model calls' sum, and gpt-4o-mini is priced", () => {
    for (const trace of agentTraces) {
      const ai = genAiSteps(trace, DEFAULT_MODEL_PRICES);
      const agent = ai.steps[ai.roots[0] as number];
      expect(agent?.own).toEqual(ai.tokens);
      const calls = ai.steps.filter((s) => s.kind === "model");
      const sum = calls.reduce((n, s) => n + (s.own?.inputTokens ?? 0), 0);
      expect(ai.tokens.inputTokens).toBe(sum);
      expect(ai.unpricedModels).toEqual([]);
      expect(ai.cost).toBeGreaterThan(0);
    }
  });

  it("show a rate-limited model call as a failed step without tokens", () => {
    const limited = agentTraces.flatMap((trace) => genAiSteps(trace, DEFAULT_MODEL_PRICES).steps).filter((s) => s.kind === "model" && s.error);
    // Seeded traffic: about one planner run in ten hits the rate limit.
    expect(limited.length).toBeGreaterThan(0);
    for (const step of limited) {
      expect(step.own).toBeNull();
      expect(step.cost).toBe(0);
    }
  });
});
