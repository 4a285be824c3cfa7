/**
 * GET /api/usage?from=YYYY-MM-DD&to=YYYY-MM-DD — a tenant's usage per UTC day (default the last 30,
 * at most MAX_USAGE_DAYS): spans and bytes accepted, refused at ingest by reason, dropped by tail
 * sampling, and the work storing them took (which the benchmark prices per million spans); its
 * plan's monthly quota and how much of it this month used; what its storage holds now (`stored`),
 * spans still open, and the work since its objects last started (`usage`).
 *
 * Accepted and dropped spans are counted by the tenant's trace shards, in their day rows (written
 * with flushes, so they survive restarts); refusals are counted where ingest refuses
 * (worker/limits/rejections.ts), since those spans never reach a shard.
 */
import { Hono } from "hono";
import { BadRequest } from "../errors";
import { planOf } from "../limits/plans";
import { rejectedUsage } from "../limits/rejections";
import { requireReader } from "../middleware/auth";
import { allShards, shardConfig, shardStub } from "../storage/shard-routing";
import { acceptedThisMonth, addStored, addUsage, emptyStored, emptyUsage, isDay, MAX_USAGE_DAYS, mergeDays, tenantDays, utcDay, type UsageAnswer } from "../storage/usage";

export const usageRoutes = new Hono<{ Bindings: Env }>();

const DAY_MS = 86_400_000;

usageRoutes.get("/api/usage", requireReader(), async (c) => {
  const config = c.get("tenant");
  const now = Date.now();
  const to = c.req.query("to") ?? utcDay(now);
  const from = c.req.query("from") ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
  for (const [name, value] of [["from", from], ["to", to]] as const) {
    if (!isDay(value)) throw new BadRequest(`"${name}" must be a day as YYYY-MM-DD, got "${value.slice(0, 40)}"`, name);
  }
  if (from > to) throw new BadRequest(`"from" (${from}) is after "to" (${to})`, "from");
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (span > MAX_USAGE_DAYS) throw new BadRequest(`at most ${MAX_USAGE_DAYS} days at a time; "${from}" to "${to}" is ${span}`, "from");

  // The shards are asked once, for the range and this month together (the quota needs the month).
  const today = utcDay(now);
  const monthStart = `${today.slice(0, 7)}-01`;
  const askFrom = from < monthStart ? from : monthStart;
  const askTo = to > today ? to : today;
  const [reports, rejected] = await Promise.all([
    Promise.all(allShards(config).map((shard) => shardStub(c.env, config.tenantId, shard).usageReport(shardConfig(config), askFrom, askTo))),
    rejectedUsage(c.env, config, from, to),
  ]);
  let usage = emptyUsage();
  let openTraces = 0;
  let stored = emptyStored();
  for (const report of reports) {
    usage = addUsage(usage, report.usage);
    openTraces += report.openTraces;
    stored = addStored(stored, report.stored);
  }
  const plan = planOf(config.plan, c.env.PLAN_OVERRIDES);
  const answer: UsageAnswer = {
    from,
    to,
    days: tenantDays(
      from,
      to,
      reports.map((r) => r.days),
      rejected,
    ),
    quota: { plan: plan.name, spansPerMonth: plan.spansPerMonth, usedThisMonth: acceptedThisMonth(mergeDays(reports.map((r) => r.days)), today), month: today.slice(0, 7) },
    usage,
    openTraces,
    stored,
  };
  return c.json(answer);
});
