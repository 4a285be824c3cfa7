import { describe, expect, it } from "vitest";
import { makeTrace, type SpanSpec } from "../../web/src/lib/trace/model/testing/builders";
import { genAiSteps, genAiTotals, hasGenAi } from "./genai";
import { DEFAULT_MODEL_PRICES, type ModelPrice } from "./model-prices";

const PRICES: ModelPrice[] = [
  { model: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6 },
  { model: "claude-3-5-haiku", inputPerMillion: 0.8, outputPerMillion: 4 },
];

/**
 *   POST /plan (frontend, not GenAI)
 *   └─ invoke_agent planner        usage 1,800 in / 150 out (the run's totals)
 *      ├─ chat gpt-4o-mini          1,000 in / 50 out
 *      ├─ HTTP GET /traffic (plain span)
 *      │  └─ execute_tool traffic   (no tokens)
 *      └─ chat gpt-4o-mini          800 in / 100 out, prompt and completion as events
 */
function agentTrace(extra: SpanSpec[] = []) {
  return makeTrace([
    { id: "http", service: "frontend", op: "POST /plan", start: 0, duration: 5_000 },
    {
      id: "agent",
      parent: "http",
      service: "planner",
      op: "invoke_agent planner",
      start: 10,
      duration: 4_000,
      tags: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner", "gen_ai.usage.input_tokens": 1_800, "gen_ai.usage.output_tokens": 150 },
    },
    {
      id: "chat1",
      parent: "agent",
      service: "planner",
      op: "chat gpt-4o-mini",
      start: 20,
      duration: 1_000,
      tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini-2024-07-18", "gen_ai.provider.name": "openai", "gen_ai.usage.input_tokens": 1_000, "gen_ai.usage.output_tokens": 50 },
    },
    { id: "get", parent: "agent", service: "planner", op: "GET /traffic", start: 1_100, duration: 500 },
    { id: "tool", parent: "get", service: "planner", op: "execute_tool traffic", start: 1_150, duration: 300, tags: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "traffic" } },
    {
      id: "chat2",
      parent: "agent",
      service: "planner",
      op: "chat gpt-4o-mini",
      start: 2_000,
      duration: 1_500,
      tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 800, "gen_ai.usage.output_tokens": 100 },
      logs: [
        { at: 2_001, fields: { event: "gen_ai.user.message", content: "How long to 42 Elm St?" } },
        { at: 3_400, fields: { event: "gen_ai.choice", index: 0, finish_reason: "stop", message: '{"content":"About 7 minutes."}' } },
      ],
    },
    ...extra,
  ]);
}

describe("genAiSteps", () => {
  it("builds agent → model call → tool steps, skipping plain spans between them", () => {
    const ai = genAiSteps(agentTrace(), PRICES);
    expect(ai.steps.map((s) => [s.kind, s.depth, s.name])).toEqual([
      ["agent", 0, "invoke_agent planner"],
      ["model", 1, "chat gpt-4o-mini"],
      ["tool", 1, "execute_tool traffic"],
      ["model", 1, "chat gpt-4o-mini"],
    ]);
    expect(ai.roots).toEqual([0]);
    expect(ai.steps[0]?.children).toEqual([1, 2, 3]);
    expect(ai.steps[2]?.tool).toBe("traffic");
    expect(ai.steps[1]?.model).toBe("gpt-4o-mini-2024-07-18");
    expect(ai.steps[1]?.provider).toBe("openai");
    expect(ai.models).toEqual(["gpt-4o-mini"]);
    expect(ai.agents).toEqual(["planner"]);
  });

  it("prices each model call and counts the agent's own totals only once", () => {
    const ai = genAiSteps(agentTrace(), PRICES);
    const [agent, chat1, tool, chat2] = ai.steps;
    // A dated response model prices as its family.
    expect(chat1?.cost).toBeCloseTo((1_000 * 0.15 + 50 * 0.6) / 1e6, 12);
    expect(chat2?.cost).toBeCloseTo((800 * 0.15 + 100 * 0.6) / 1e6, 12);
    expect(tool?.tokens).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(tool?.cost).toBe(0);
    // The agent reports 1,800/150 itself; its subtree is its calls', not double that.
    expect(agent?.own).toEqual({ inputTokens: 1_800, outputTokens: 150 });
    expect(agent?.tokens).toEqual({ inputTokens: 1_800, outputTokens: 150 });
    expect(ai.tokens).toEqual({ inputTokens: 1_800, outputTokens: 150 });
    expect(ai.cost).toBeCloseTo((1_800 * 0.15 + 150 * 0.6) / 1e6, 12);
    expect(ai.unpricedModels).toEqual([]);
    expect(agent?.priced).toBe(true);
  });

  it("counts an agent's own tokens when no step below it reports any", () => {
    const ai = genAiSteps(
      makeTrace([
        { id: "a", op: "invoke_agent", tags: { "gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 2_000_000, "gen_ai.usage.output_tokens": 1_000_000 } },
        { id: "t", parent: "a", op: "execute_tool x", tags: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "x" } },
      ]),
      PRICES,
    );
    expect(ai.tokens).toEqual({ inputTokens: 2_000_000, outputTokens: 1_000_000 });
    expect(ai.cost).toBeCloseTo(2 * 0.15 + 0.6, 12);
  });

  it("counts nested agents' totals once, at the deepest steps that report tokens", () => {
    const usage = (input: number, output: number) => ({ "gen_ai.usage.input_tokens": input, "gen_ai.usage.output_tokens": output });
    const ai = genAiSteps(
      makeTrace([
        { id: "outer", op: "invoke_agent outer", tags: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "outer", ...usage(300, 30) } },
        { id: "inner", parent: "outer", op: "invoke_agent inner", start: 1, tags: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "inner", ...usage(200, 20) } },
        { id: "c1", parent: "inner", op: "chat", start: 2, tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", ...usage(200, 20) } },
        { id: "c2", parent: "outer", op: "chat", start: 3, tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", ...usage(100, 10) } },
      ]),
      PRICES,
    );
    expect(ai.steps.map((s) => [s.spanId, s.depth, s.tokens.inputTokens])).toEqual([
      ["outer", 0, 300],
      ["inner", 1, 200],
      ["c1", 2, 200],
      ["c2", 1, 100],
    ]);
    expect(ai.tokens).toEqual({ inputTokens: 300, outputTokens: 30 });
  });

  it("prices an unknown model at 0 and marks it as having no price", () => {
    const ai = genAiSteps(
      agentTrace([{ id: "local", parent: "http", op: "chat llama-3-8b", start: 4_500, tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "llama-3-8b", "gen_ai.usage.input_tokens": 500, "gen_ai.usage.output_tokens": 20 } }]),
      PRICES,
    );
    const local = ai.steps.find((s) => s.requestModel === "llama-3-8b");
    expect(local?.cost).toBe(0);
    expect(local?.priced).toBe(false);
    expect(ai.unpricedModels).toEqual(["llama-3-8b"]);
    // Its tokens still count; its cost adds nothing.
    expect(ai.tokens).toEqual({ inputTokens: 2_300, outputTokens: 170 });
    expect(ai.cost).toBeCloseTo((1_800 * 0.15 + 150 * 0.6) / 1e6, 12);
    expect(ai.models).toEqual(["gpt-4o-mini", "llama-3-8b"]);
  });

  it("treats missing or malformed usage attributes as no tokens, and a model call without them as priced at nothing", () => {
    const ai = genAiSteps(
      makeTrace([
        { id: "c1", op: "chat", tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini" } },
        { id: "c2", op: "chat", start: 10, tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": -5, "gen_ai.usage.output_tokens": "lots" } },
        { id: "c3", op: "chat", start: 20, tags: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": "120" } },
      ]),
      PRICES,
    );
    expect(ai.steps.map((s) => s.own)).toEqual([null, null, { inputTokens: 120, outputTokens: 0 }]);
    expect(ai.steps.every((s) => s.priced)).toBe(true);
    expect(ai.tokens).toEqual({ inputTokens: 120, outputTokens: 0 });
    expect(ai.cost).toBeCloseTo((120 * 0.15) / 1e6, 12);
  });

  it("reads prompts and completions from events and from gen_ai.input/output.messages attributes", () => {
    const withAttributes = agentTrace([
      {
        id: "c3",
        parent: "agent",
        op: "chat claude-3-5-haiku",
        start: 3_600,
        tags: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": "claude-3-5-haiku-20241022",
          "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
          "gen_ai.output.messages": '[{"role":"assistant","parts":[{"type":"text","content":"hello"}]}]',
        },
      },
    ]);
    const ai = genAiSteps(withAttributes, PRICES);
    const chat2 = ai.steps.find((s) => s.spanId === "chat2");
    expect(chat2?.messages).toEqual([
      { direction: "input", source: "gen_ai.user.message", role: "user", content: "How long to 42 Elm St?" },
      { direction: "output", source: "gen_ai.choice", role: "assistant", content: '{"index":0,"finish_reason":"stop","message":"{\\"content\\":\\"About 7 minutes.\\"}"}' },
    ]);
    const c3 = ai.steps.find((s) => s.spanId === "c3");
    expect(c3?.messages.map((m) => [m.direction, m.source])).toEqual([
      ["input", "gen_ai.input.messages"],
      ["output", "gen_ai.output.messages"],
    ]);
    expect(ai.steps.find((s) => s.spanId === "chat1")?.messages).toEqual([]);
  });

  it("finds nothing in a trace without GenAI spans", () => {
    const plain = makeTrace([{ id: "a", op: "GET /" }, { id: "b", parent: "a", op: "SELECT" }]);
    expect(hasGenAi(plain)).toBe(false);
    expect(genAiSteps(plain, PRICES)).toMatchObject({ steps: [], roots: [], tokens: { inputTokens: 0, outputTokens: 0 }, cost: 0 });
    expect(hasGenAi(agentTrace())).toBe(true);
  });

  it("survives a parent cycle without looping", () => {
    const cyclic = makeTrace([
      { id: "x", parent: "y", op: "chat", tags: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 1 } },
      { id: "y", parent: "x", op: "GET" },
    ]);
    expect(genAiSteps(cyclic, PRICES).steps).toHaveLength(1);
  });

  it("gives totals for search with the tenant's prices (the defaults price gpt-4o-mini)", () => {
    const totals = genAiTotals(agentTrace(), DEFAULT_MODEL_PRICES);
    expect(totals.tokens).toBe(1_950);
    expect(totals.cost).toBeGreaterThan(0);
    expect(genAiTotals(agentTrace(), []).cost).toBe(0);
  });
});
