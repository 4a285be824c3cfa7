/**
 * GET /api/usage — what this tenant's trace storage has done (and cost) since its objects last
 * started: spans taken in, rows and objects written. The benchmark prices it per million spans.
 */
import { Hono } from "hono";
import { shardCount, traceShard } from "../ingest/shards";
import { requireReader } from "../middleware/auth";
import { addUsage, emptyUsage } from "../storage/usage";

export const usageRoutes = new Hono<{ Bindings: Env }>();

usageRoutes.get("/api/usage", requireReader(), async (c) => {
  const tenantId = c.get("tenantId");
  const shards = Array.from({ length: shardCount(c.env) }, (_, shard) => traceShard(c.env, tenantId, shard));
  const reports = await Promise.all(shards.map((stub) => stub.usageReport()));
  let usage = emptyUsage();
  let openTraces = 0;
  for (const report of reports) {
    usage = addUsage(usage, report.usage);
    openTraces += report.openTraces;
  }
  return c.json({ usage, openTraces });
});
