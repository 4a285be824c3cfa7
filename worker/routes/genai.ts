/**
 * The agent / LLM view's routes:
 *
 * - `GET /api/traces/{id}/genai` (session or read key): the trace's agent steps — agent → model
 *   call → tool — with tokens and cost per step and for the trace, priced by the tenant's table.
 * - `GET /api/model-prices` (session or read key): the tenant's price table, whether it is the
 *   defaults, and the defaults themselves (the editor's "restore").
 * - `PUT /api/model-prices {prices: [...] | null}` (a logged-in user, as every settings route until
 *   roles arrive): replaces the table; null restores the defaults. Refused whole with a 400
 *   naming the field at fault.
 *
 * Every read is the caller's tenant's: the trace is read from its shards, the table from its row.
 */
import { Hono } from "hono";
import { readJsonObject } from "../accounts/input";
import { BadRequest, NotFound } from "../errors";
import { toJaegerTrace } from "../jaeger/v1-trace";
import { origin, recordAudit } from "../accounts/audit";
import { requireReader, requireSession, sessionOf } from "../middleware/auth";
import { genAiSteps } from "../model/genai";
import { DEFAULT_MODEL_PRICES, parsePriceTable } from "../model/model-prices";
import { adjustTrace } from "../query/adjust";
import { parseTraceId, readTrace } from "../query/read-trace";
import { loadModelPrices, saveModelPrices } from "../storage/model-prices";

export const genAiRoutes = new Hono<{ Bindings: Env }>();

genAiRoutes.get("/api/traces/:traceId/genai", requireReader(), async (c) => {
  const raw = c.req.param("traceId");
  const traceId = parseTraceId(raw);
  if (!traceId) throw new BadRequest(`trace id must be 1 to 32 hex digits, got "${raw.slice(0, 64)}"`, "traceId");
  const config = c.get("tenant");
  const [trace, table] = await Promise.all([readTrace(c.env, config, traceId), loadModelPrices(c.env.DB, config.tenantId)]);
  // Another tenant's trace is exactly as absent as one that never existed.
  if (!trace || trace.spans.length === 0) throw new NotFound("trace not found");
  const adjusted = adjustTrace(trace);
  const ai = genAiSteps(toJaegerTrace(adjusted.trace, adjusted), table.prices);
  return c.json({
    traceId,
    tokens: { ...ai.tokens, total: ai.tokens.inputTokens + ai.tokens.outputTokens },
    costUsd: ai.cost,
    unpricedModels: ai.unpricedModels,
    models: ai.models,
    agents: ai.agents,
    pricesAreDefault: table.isDefault,
    steps: ai.steps.map((step) => ({
      spanId: step.spanId,
      parentSpanId: step.parent >= 0 ? ai.steps[step.parent]?.spanId : null,
      depth: step.depth,
      kind: step.kind,
      operation: step.operation,
      name: step.name,
      service: step.service,
      agent: step.agent || null,
      tool: step.tool || null,
      model: step.model || null,
      provider: step.provider || null,
      startUs: step.startUs,
      durationUs: step.durationUs,
      error: step.error,
      ownTokens: step.own,
      tokens: step.tokens,
      costUsd: step.cost,
      priced: step.priced,
      messages: step.messages,
    })),
  });
});

genAiRoutes.get("/api/model-prices", requireReader(), async (c) => {
  const table = await loadModelPrices(c.env.DB, c.get("tenantId"));
  return c.json({ prices: table.prices, isDefault: table.isDefault, defaults: DEFAULT_MODEL_PRICES });
});

// Admins set prices, as they set sampling and key caps: what cost figures the organisation sees.
genAiRoutes.put("/api/model-prices", requireSession("admin"), async (c) => {
  const body = await readJsonObject(c);
  for (const key of Object.keys(body)) {
    if (key !== "prices") throw new BadRequest(`unknown field "${key.slice(0, 64)}": the body is {prices: [{model, inputPerMillion, outputPerMillion}, …]} or {prices: null}`, key);
  }
  if (!("prices" in body)) throw new BadRequest("prices is required: an array of {model, inputPerMillion, outputPerMillion}, or null for the defaults", "prices");
  const tenantId = c.get("tenantId");
  const user = sessionOf(c);
  const audit = (prices: unknown) => recordAudit(c.env.DB, { tenantId, action: "model-prices.update", actor: { id: user.userId, email: user.email }, target: { prices }, where: origin(c) });
  if (body.prices === null) {
    await saveModelPrices(c.env.DB, tenantId, null);
    await audit("defaults");
    return c.json({ prices: DEFAULT_MODEL_PRICES, isDefault: true, defaults: DEFAULT_MODEL_PRICES });
  }
  const parsed = parsePriceTable(body.prices);
  if (!parsed.ok) throw new BadRequest(parsed.reason, parsed.field);
  await saveModelPrices(c.env.DB, tenantId, parsed.prices);
  await audit(parsed.prices.length);
  return c.json({ prices: parsed.prices, isDefault: false, defaults: DEFAULT_MODEL_PRICES });
});
