/**
 * Operator routes, behind the ADMIN_TOKEN secret (the route answers 404 while it is unset):
 * `PUT /admin/tenants/{id}/shards {shards}` spreads a tenant's new traces over more (or fewer)
 * trace shards. Earlier counts stay recorded, so every stored trace stays findable by id.
 */
import { Hono } from "hono";
import { readJsonObject } from "../accounts/input";
import { sha256Hex } from "../accounts/crypto";
import { BadRequest, NotFound, Unauthorized } from "../errors";
import { currentShardCount } from "../storage/shard-routing";
import { forgetTenant, MAX_SHARDS, setShardCount, tenantConfig } from "../storage/tenant-directory";

export const adminRoutes = new Hono<{ Bindings: Env }>();

adminRoutes.put("/admin/tenants/:id/shards", async (c) => {
  const token = c.env.ADMIN_TOKEN ?? "";
  if (!token) throw new NotFound(`no route for ${c.req.method} ${c.req.path}`);
  const presented = (c.req.header("authorization") ?? "").replace(/^Bearer\s+/i, "");
  // Compare digests, so the comparison takes the same time whatever the presented token.
  if ((await sha256Hex(presented)) !== (await sha256Hex(token))) throw new Unauthorized("an admin token is required");
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
