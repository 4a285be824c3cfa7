/**
 * The agent / LLM view through the Worker, with the real shards, D1 and R2: a GenAI trace's steps
 * with tokens and cost (`GET /api/traces/{id}/genai`), the tenant's price table
 * (`GET/PUT /api/model-prices`), and search by model, agent, minimum tokens and minimum cost.
 */
import { describe, expect, it } from "vitest";
import { agentTraceSpans } from "../support/genai-trace";
import { call, FUTURE, getJson, ingest, requestOf, settle, shard, shardSql, signUp, spansOf, TestClock, traceIdOf, useClock, type Tenant } from "./helpers";

interface Step {
  spanId: string;
  kind: string;
  name: string;
  depth: number;
  model: string | null;
  tool: string | null;
  agent: string | null;
  ownTokens: { inputTokens: number; outputTokens: number } | null;
  tokens: { inputTokens: number; outputTokens: number };
  costUsd: number;
  priced: boolean;
  messages: Array<{ direction: string; source: string; content: string }>;
}
interface GenAiAnswer {
  traceId: string;
  tokens: { inputTokens: number; outputTokens: number; total: number };
  costUsd: number;
  unpricedModels: string[];
  pricesAreDefault: boolean;
  steps: Step[];
}
interface Prices {
  prices: Array<{ model: string; inputPerMillion: number; outputPerMillion: number }>;
  isDefault: boolean;
  defaults: unknown[];
}

const putPrices = (tenant: Tenant, body: unknown, auth: Record<string, string> = { cookie: tenant.cookie }) =>
  call("/api/model-prices", { method: "PUT", headers: { "content-type": "application/json", ...auth }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("GET /api/traces/{id}/genai", () => {
  it("shows each step's tokens and the trace's total cost at the default prices, then at the tenant's own", async () => {
    const tenant = await signUp();
    const traceId = traceIdOf(0x6a01);
    expect((await ingest(tenant, requestOf(agentTraceSpans({ traceId }), "support"))).status).toBe(200);

    const { status, body } = await getJson<GenAiAnswer>(tenant, `/api/traces/${traceId}/genai`);
    expect(status).toBe(200);
    expect(body.steps.map((s) => [s.kind, s.depth, s.name])).toEqual([
      ["agent", 0, "invoke_agent support-bot"],
      ["model", 1, "chat gpt-4o-mini"],
      ["tool", 1, "execute_tool lookup_order"],
      ["model", 1, "chat gpt-4o-mini"],
    ]);
    const [agent, chat1, tool, chat2] = body.steps;
    expect(chat1?.tokens).toEqual({ inputTokens: 1_000, outputTokens: 50 });
    expect(chat2?.tokens).toEqual({ inputTokens: 1_200, outputTokens: 150 });
    expect(tool?.tool).toBe("lookup_order");
    // gpt-4o-mini by default: $0.15 in, $0.60 out per million; the dated response model prices as its family.
    expect(chat1?.costUsd).toBeCloseTo((1_000 * 0.15 + 50 * 0.6) / 1e6, 12);
    expect(chat1?.model).toBe("gpt-4o-mini-2024-07-18");
    // The agent's own totals are the same tokens: counted once.
    expect(agent?.ownTokens).toEqual({ inputTokens: 2_200, outputTokens: 200 });
    expect(body.tokens).toEqual({ inputTokens: 2_200, outputTokens: 200, total: 2_400 });
    expect(body.costUsd).toBeCloseTo((2_200 * 0.15 + 200 * 0.6) / 1e6, 12);
    expect(body.pricesAreDefault).toBe(true);
    expect(chat2?.messages.map((m) => [m.direction, m.source, m.content])).toEqual([
      ["input", "gen_ai.user.message", "Where is order 1042?"],
      ["output", "gen_ai.choice", "Order 1042 ships tomorrow."],
    ]);

    expect((await putPrices(tenant, { prices: [{ model: "gpt-4o-mini", inputPerMillion: 1, outputPerMillion: 2 }] })).status).toBe(200);
    const repriced = await getJson<GenAiAnswer>(tenant, `/api/traces/${traceId}/genai`);
    expect(repriced.body.costUsd).toBeCloseTo((2_200 * 1 + 200 * 2) / 1e6, 12);
    expect(repriced.body.pricesAreDefault).toBe(false);
  });

  it("prices an unknown model at nothing and names it, and a trace without GenAI spans has no steps", async () => {
    const tenant = await signUp();
    const local = traceIdOf(0x6a02);
    const plain = traceIdOf(0x6a03);
    await ingest(tenant, requestOf([...agentTraceSpans({ traceId: local, model: "llama-3-70b" }), ...spansOf(plain, 3)], "support"));
    const answer = (await getJson<GenAiAnswer>(tenant, `/api/traces/${local}/genai`)).body;
    expect(answer.costUsd).toBe(0);
    // Named as the model that answered, else the one asked for (the second call reports no response model).
    expect(answer.unpricedModels).toEqual(["llama-3-70b", "llama-3-70b-2024-07-18"]);
    expect(answer.steps.filter((s) => s.kind === "model").every((s) => !s.priced && s.costUsd === 0)).toBe(true);
    expect(answer.tokens.total).toBe(2_400);
    const none = await getJson<GenAiAnswer>(tenant, `/api/traces/${plain}/genai`);
    expect(none.status).toBe(200);
    expect(none.body.steps).toEqual([]);
    expect(none.body.costUsd).toBe(0);
  });

  it("answers 404 for another tenant's trace, 400 for a bad id and 401 without credentials", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const traceId = traceIdOf(0x6a04);
    await ingest(owner, requestOf(agentTraceSpans({ traceId }), "support"));
    expect((await getJson(owner, `/api/traces/${traceId}/genai`)).status).toBe(200);
    expect((await getJson(stranger, `/api/traces/${traceId}/genai`)).status).toBe(404);
    const bad = await getJson<{ error: { message: string } }>(owner, "/api/traces/not-hex/genai");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/hex/);
    expect((await call(`/api/traces/${traceId}/genai`)).status).toBe(401);
  });
});

describe("GET/PUT /api/model-prices", () => {
  it("starts at the documented defaults, saves a valid table, and restores the defaults with null", async () => {
    const tenant = await signUp();
    const initial = await getJson<Prices>(tenant, "/api/model-prices");
    expect(initial.status).toBe(200);
    expect(initial.body.isDefault).toBe(true);
    expect(initial.body.prices).toContainEqual({ model: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(initial.body.defaults).toEqual(initial.body.prices);

    const table = [{ model: "my-finetune", inputPerMillion: 3, outputPerMillion: 6 }];
    const saved = await putPrices(tenant, { prices: table });
    expect(saved.status).toBe(200);
    expect(((await saved.json()) as Prices).prices).toEqual(table);
    expect((await getJson<Prices>(tenant, "/api/model-prices")).body).toMatchObject({ prices: table, isDefault: false });

    expect((await putPrices(tenant, { prices: null })).status).toBe(200);
    expect((await getJson<Prices>(tenant, "/api/model-prices")).body.isDefault).toBe(true);
  });

  it.each([
    ["a body that is not JSON", "{", undefined],
    ["no prices field", {}, "prices"],
    ["an unknown field", { prices: [], currency: "EUR" }, "currency"],
    ["prices that are not a list", { prices: "cheap" }, "prices"],
    ["a negative price", { prices: [{ model: "m", inputPerMillion: -1, outputPerMillion: 0 }] }, "prices[0].inputPerMillion"],
    ["a missing model", { prices: [{ inputPerMillion: 1, outputPerMillion: 1 }] }, "prices[0].model"],
    ["a duplicate model", { prices: [{ model: "a", inputPerMillion: 1, outputPerMillion: 1 }, { model: "A", inputPerMillion: 1, outputPerMillion: 1 }] }, "prices[1].model"],
  ])("refuses %s with a 400 naming the field", async (_, body, field) => {
    const tenant = await signUp();
    const response = await putPrices(tenant, body);
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: { message: string; field?: string } }).error;
    expect(error.message.length).toBeGreaterThan(5);
    expect(error.field).toBe(field);
    expect((await getJson<Prices>(tenant, "/api/model-prices")).body.isDefault).toBe(true);
  });

  it("is each tenant's own: one tenant's table neither shows nor prices another's traces, and a read key cannot change it", async () => {
    const a = await signUp();
    const b = await signUp();
    expect((await putPrices(a, { prices: [{ model: "gpt-4o-mini", inputPerMillion: 100, outputPerMillion: 100 }] })).status).toBe(200);
    expect((await getJson<Prices>(b, "/api/model-prices")).body.isDefault).toBe(true);
    const traceId = traceIdOf(0x6a05);
    await ingest(b, requestOf(agentTraceSpans({ traceId }), "support"));
    expect((await getJson<GenAiAnswer>(b, `/api/traces/${traceId}/genai`)).body.costUsd).toBeCloseTo((2_200 * 0.15 + 200 * 0.6) / 1e6, 12);

    expect((await putPrices(b, { prices: [] }, { authorization: `Bearer ${b.readKey}` })).status).toBe(401);
    expect((await call("/api/model-prices")).status).toBe(401);
  });
});

describe("search by model, agent, minimum tokens and minimum cost", () => {
  it("finds stored and open GenAI traces by each filter, reading only GenAI traces", async () => {
    const tenant = await signUp();
    const clock = new TestClock();
    await useClock(shard(tenant), clock);
    const support = traceIdOf(0x6b01); // gpt-4o-mini, support-bot: 2,400 tokens, $0.00045 at the defaults
    const billing = traceIdOf(0x6b02); // claude-3-5-haiku, billing-bot: 11,000 tokens, $0.012
    const plain = Array.from({ length: 10 }, (_, i) => traceIdOf(0x6b10 + i));
    await ingest(tenant, requestOf(agentTraceSpans({ traceId: support }), "support"));
    await ingest(
      tenant,
      requestOf(agentTraceSpans({ traceId: billing, agent: "billing-bot", model: "claude-3-5-haiku", first: { input: 5_000, output: 500 }, second: { input: 5_000, output: 500 } }), "billing"),
    );
    await ingest(tenant, requestOf(plain.flatMap((id) => spansOf(id, 4, { startNs: BigInt(Date.now() - 30_000) * 1_000_000n })), "plain"));
    clock.advance(2 * 60_000);
    await settle(shard(tenant));
    // Still open when searched: found from the shard's pending spans.
    const open = traceIdOf(0x6b03);
    await ingest(tenant, requestOf(agentTraceSpans({ traceId: open, first: { input: 10, output: 1 }, second: { input: 10, output: 1 } }), "support"));

    const search = async (query: string) => {
      const response = await call(`/api/traces?lookback=2d&limit=50&${query}`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
      expect(response.status, query).toBe(200);
      const body = (await response.json()) as { data: Array<{ traceID: string }> };
      const read = Number(/read=(\d+)/.exec(response.headers.get("x-edgetrace-search") ?? "")?.[1]);
      return { ids: new Set(body.data.map((t) => t.traceID)), read };
    };
    expect((await search("service=plain")).ids.size).toBe(10);
    expect((await search("model=gpt-4o-mini")).ids).toEqual(new Set([support, open]));
    expect((await search("model=claude-3-5-haiku")).ids).toEqual(new Set([billing]));
    expect((await search("agent=billing-bot")).ids).toEqual(new Set([billing]));
    expect((await search("agent=support-bot&model=claude-3-5-haiku")).ids).toEqual(new Set());
    const tokens = await search("minTokens=2400");
    expect(tokens.ids).toEqual(new Set([support, billing]));
    // Ten plain traces in the window, none of them read: their filters lack the usage marker.
    expect(tokens.read).toBeLessThanOrEqual(3);
    expect((await search("minTokens=2401")).ids).toEqual(new Set([billing]));
    expect((await search("minTokens=0")).ids).toEqual(new Set([support, billing, open]));
    expect((await search("minCost=0.00045")).ids).toEqual(new Set([support, billing]));
    expect((await search("minCost=0.001")).ids).toEqual(new Set([billing]));
    expect((await search("service=support&minTokens=1")).ids).toEqual(new Set([support, open]));

    // Minimum cost uses the tenant's table: priced up, the small trace passes too.
    await putPrices(tenant, { prices: [{ model: "gpt-4o-mini", inputPerMillion: 1_000, outputPerMillion: 1_000 }] });
    expect((await search("minCost=0.01")).ids).toEqual(new Set([support, open]));

    // Compaction rewrites the hour's blocks and re-indexes them: the marker survives it.
    clock.advance(2 * 3_600_000);
    await settle(shard(tenant));
    // The first hour's blocks (the open trace flushed later, into a block of the hour still open).
    const firstHour = await shardSql<{ level: number }>(shard(tenant), "SELECT level FROM blocks WHERE state = 1 AND created < ?", FUTURE + 3_600_000);
    expect(firstHour.map((b) => b.level)).toEqual([1]);
    const compacted = await search("minTokens=2400");
    expect(compacted.ids).toEqual(new Set([support, billing]));
    expect(compacted.read).toBeLessThanOrEqual(3);
  });

  it.each([
    ["minTokens=-1", "minTokens"],
    ["minTokens=lots", "minTokens"],
    ["minTokens=1.5", "minTokens"],
    ["minCost=abc", "minCost"],
    ["minCost=-0.5", "minCost"],
    [`model=${"m".repeat(300)}`, "model"],
  ])("refuses %s with a 400 in Jaeger's envelope", async (query, name) => {
    const tenant = await signUp();
    const response = await call(`/api/traces?${query}`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ msg: string }> };
    expect(body.errors[0]?.msg).toContain(name);
  });
});
