/**
 * Operator routes, behind the ADMIN_TOKEN secret (the route answers 404 while it is unset):
 * `PUT /admin/tenants/{id}/shards {shards}` spreads a tenant's new traces over more (or fewer)
 * trace shards. Earlier counts stay recorded, so every stored trace stays findable by id.
 * `PUT /admin/tenants/{id}/plan {plan}` moves a tenant to another plan (worker/limits/plans.ts);
 * every isolate applies it within the tenant cache's TTL. `GET /admin/tenants/{id}/limits` shows
 * the plan and what the tenant's ingest limiter has counted (month, keys today, its own costs).
 */
import { Hono, type Context } from "hono";
import { readJsonObject } from "../accounts/input";
import { sha256Hex } from "../accounts/crypto";
import { BadRequest, NotFound, Unauthorized } from "../errors";
import { currentShardCount } from "../storage/shard-routing";
import { forgetTenant, MAX_SHARDS, setPlan, setShardCount, tenantConfig } from "../storage/tenant-directory";
import { isPlan, planOf, PLANS } from "../limits/plans";
import { limiterStub } from "../limits/protocol";

export const adminRoutes = new Hono<{ Bindings: Env }>();

/** 404 while no admin token is configured; 401 unless the request presents it. */
async function requireAdmin(c: Context<{ Bindings: Env }>): Promise<void> {
  const token = c.env.ADMIN_TOKEN ?? "";
  if (!token) throw new NotFound(`no route for ${c.req.method} ${c.req.path}`);
  const presented = (c.req.header("authorization") ?? "").replace(/^Bearer\s+/i, "");
  // Compare digests, so the comparison takes the same time whatever the presented token.
  if ((await sha256Hex(presented)) !== (await sha256Hex(token))) throw new Unauthorized("an admin token is required");
}

adminRoutes.put("/admin/tenants/:id/shards", async (c) => {
  await requireAdmin(c);
  const body = await readJsonObject(c);
  const shards = body.shards;
  if (typeof shards !== "number" || !Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw new BadRequest(`shards must be a whole number from 1 to ${MAX_SHARDS}`, "shards");
  }
  forgetTenant(c.req.param("id"));
  const config = await tenantConfig(c.env.DB, c.req.param("id"));
  if (!config) throw new NotFound("no such tenant");
  const updated = await setShardCount(c.env.DB, config, shards);
  return c.json({ tenant: updated.tenantId, shards: currentShardCount(updated), shardCounts: updated.shardCounts });
});

adminRoutes.put("/admin/tenants/:id/plan", async (c) => {
  await requireAdmin(c);
  const body = await readJsonObject(c);
  const plan = body.plan;
  if (typeof plan !== "string" || !isPlan(plan, c.env.PLAN_OVERRIDES)) {
    throw new BadRequest(`plan must be one of ${Object.keys(PLANS).join(", ")}`, "plan");
  }
  if (!(await setPlan(c.env.DB, c.req.param("id"), plan))) throw new NotFound("no such tenant");
  return c.json({ tenant: c.req.param("id"), plan: planOf(plan, c.env.PLAN_OVERRIDES) });
});

adminRoutes.get("/admin/tenants/:id/limits", async (c) => {
  await requireAdmin(c);
  forgetTenant(c.req.param("id"));
  const config = await tenantConfig(c.env.DB, c.req.param("id"));
  if (!config) throw new NotFound("no such tenant");
  const limiter = await limiterStub(c.env, config.tenantId).report();
  return c.json({ tenant: config.tenantId, plan: planOf(config.plan, c.env.PLAN_OVERRIDES), limiter });
});
