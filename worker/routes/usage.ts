/**
 * GET /api/usage?from=YYYY-MM-DD&to=YYYY-MM-DD — what this tenant's trace storage has done: the
 * work since its objects last started (`usage`), spans still open, what it holds now (`stored`),
 * and per-day totals that survive restarts (`days`, UTC; default the last 30), which the benchmark
 * prices per million spans.
 */
import { Hono } from "hono";
import { BadRequest } from "../errors";
import { requireReader } from "../middleware/auth";
import { allShards, shardConfig, shardStub } from "../storage/shard-routing";
import { addStored, addUsage, emptyStored, emptyUsage, mergeDays, utcDay } from "../storage/usage";

export const usageRoutes = new Hono<{ Bindings: Env }>();

const DAY = /^\d{4}-\d{2}-\d{2}$/;

usageRoutes.get("/api/usage", requireReader(), async (c) => {
  const config = c.get("tenant");
  const to = c.req.query("to") ?? utcDay(Date.now());
  const from = c.req.query("from") ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000);
  for (const [name, value] of [["from", from], ["to", to]] as const) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new BadRequest(`"${name}" must be a day as YYYY-MM-DD, got "${value.slice(0, 40)}"`, name);
  }
  if (from > to) throw new BadRequest(`"from" (${from}) is after "to" (${to})`, "from");
  const reports = await Promise.all(allShards(config).map((shard) => shardStub(c.env, config.tenantId, shard).usageReport(shardConfig(config), from, to)));
  let usage = emptyUsage();
  let openTraces = 0;
  let stored = emptyStored();
  for (const report of reports) {
    usage = addUsage(usage, report.usage);
    openTraces += report.openTraces;
    stored = addStored(stored, report.stored);
  }
  return c.json({ usage, openTraces, stored, from, to, days: mergeDays(reports.map((r) => r.days)) });
});
