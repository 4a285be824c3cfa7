/**
 * The tenant's settings: `GET /api/settings` (session or read key), `PUT /api/settings` (the
 * organisation's owners). Today: how many days traces
 * are kept. A shorter retention takes effect at once: reads stop returning what it expires, and
 * each shard is told to delete it.
 */
import { Hono } from "hono";
import { readJsonObject } from "../accounts/input";
import { BadRequest } from "../errors";
import { origin, recordAudit } from "../accounts/audit";
import { requireReader, requireSession, sessionOf } from "../middleware/auth";
import { allShards, currentShardCount, shardConfig, shardStub } from "../storage/shard-routing";
import { RETENTION_DAYS, setRetention, type TenantConfig } from "../storage/tenant-directory";

export const settingsRoutes = new Hono<{ Bindings: Env }>();

function view(config: TenantConfig) {
  return { retentionDays: config.retentionDays, retentionLimits: { min: RETENTION_DAYS.min, max: RETENTION_DAYS.max }, shards: currentShardCount(config) };
}

settingsRoutes.get("/api/settings", requireReader(), (c) => c.json(view(c.get("tenant"))));

settingsRoutes.put("/api/settings", requireSession("owner"), async (c) => {
  const body = await readJsonObject(c);
  const config = c.get("tenant");
  for (const key of Object.keys(body)) {
    if (key !== "retentionDays") throw new BadRequest(`unknown setting "${key.slice(0, 64)}": settable is retentionDays`, key);
  }
  const days = body.retentionDays;
  if (days === undefined) throw new BadRequest("retentionDays is required", "retentionDays");
  if (typeof days !== "number" || !Number.isInteger(days) || days < RETENTION_DAYS.min || days > RETENTION_DAYS.max) {
    throw new BadRequest(`retentionDays must be a whole number of days from ${RETENTION_DAYS.min} to ${RETENTION_DAYS.max}`, "retentionDays");
  }
  await setRetention(c.env.DB, config.tenantId, days);
  const user = sessionOf(c);
  await recordAudit(c.env.DB, { tenantId: config.tenantId, action: "settings.update", actor: { id: user.userId, email: user.email }, target: { retentionDays: { from: config.retentionDays, to: days } }, where: origin(c) });
  const updated = { ...config, retentionDays: days };
  // Each shard learns the new retention now and schedules its deletions.
  await Promise.all(allShards(updated).map((shard) => shardStub(c.env, updated.tenantId, shard).configure(shardConfig(updated))));
  return c.json(view(updated));
});
