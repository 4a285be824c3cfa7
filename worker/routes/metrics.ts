/**
 * The service graph and RED metrics, computed by the tenant's shards as traces complete:
 *
 * - Jaeger's own routes, shape for shape, so Jaeger UI's System Architecture and Monitor pages
 *   work against us: `GET /api/dependencies?endTs=&lookback=&service=` (ms) and
 *   `GET /api/metrics/{latencies,calls,errors}?service=…&quantile=&groupByOperation=&spanKind=…&endTs=&lookback=&step=&ratePer=`
 *   (every duration in ms; defaults as Jaeger's: lookback 1 h, step 5 s, ratePer 10 min, spanKind
 *   server), answering MetricFamily JSON;
 * - what our app draws: `GET /api/graph?start=&end=` (ms; nodes and edges with calls, errors,
 *   latency quantiles, async edges and typed virtual nodes) and
 *   `GET /api/services/{service}/metrics?start=&end=&step=&spanKind=` (a service's rate, errors and
 *   latency over time, and its operations).
 */
import { Hono } from "hono";
import { jaegerErrors } from "../jaeger/errors";
import { envelope } from "../jaeger/v1-types";
import { requireReader } from "../middleware/auth";
import { SpanKind } from "../model/span";
import { InvalidParameter } from "../query/errors";
import { MINUTE_MS, MINUTE_RANGE_MAX_MS } from "../metrics/aggregate";
import { dependencyLinks, loadBuckets, loadTotal, metricFamily, serviceGraph, serviceView, type JaegerMetric } from "../query/metrics";

export const metricsRoutes = new Hono<{ Bindings: Env }>();

for (const path of ["/api/dependencies", "/api/metrics/*", "/api/graph"]) metricsRoutes.use(path, requireReader(), jaegerErrors("v1"));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Ranges longer than this are refused: hour buckets are kept at most 90 days. */
const MAX_RANGE_MS = 92 * DAY;

/** A whole number of ms from a query parameter, or `fallback` when absent. */
function msParam(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < min) throw new InvalidParameter(name, `'${name}' must be a whole number of milliseconds${min > 0 ? ` ≥ ${min}` : ""}, got "${value.slice(0, 40)}"`);
  return n;
}

function checkRange(lengthMs: number, name = "lookback"): void {
  if (lengthMs > MAX_RANGE_MS) throw new InvalidParameter(name, `'${name}' must be at most ${MAX_RANGE_MS / DAY} days`);
}

const KINDS: Record<string, number> = {
  unspecified: SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** Jaeger's spanKind values: "server" or "SPAN_KIND_SERVER", repeated or comma-separated. */
function spanKinds(values: string[], fallback: number[]): number[] {
  const kinds = values.flatMap((v) => v.split(",")).filter(Boolean);
  if (kinds.length === 0) return fallback;
  return kinds.map((raw) => {
    const name = raw.trim().toLowerCase().replace(/^span_kind_/, "");
    const kind = KINDS[name];
    if (kind === undefined) throw new InvalidParameter("spanKind", `unsupported spanKind "${raw.slice(0, 40)}": use one of ${Object.keys(KINDS).join(", ")}`);
    return kind;
  });
}

metricsRoutes.get("/api/dependencies", async (c) => {
  const endMs = msParam(c.req.query("endTs"), "endTs", Date.now());
  const lookbackMs = msParam(c.req.query("lookback"), "lookback", DAY, 1);
  checkRange(lookbackMs);
  const service = c.req.query("service") ?? "";
  const { total } = await loadTotal(c.env, c.get("tenant"), endMs - lookbackMs, endMs);
  const links = dependencyLinks(total);
  return c.json(envelope(service ? links.filter((l) => l.parent === service || l.child === service) : links));
});

/** The smallest step worth asking for: buckets are a minute wide. */
metricsRoutes.get("/api/metrics/minstep", (c) => c.json(envelope(MINUTE_MS)));

metricsRoutes.get("/api/metrics/:metric", async (c) => {
  const metric = c.req.param("metric");
  if (metric !== "latencies" && metric !== "calls" && metric !== "errors") {
    throw new InvalidParameter("metric", `unknown metric "${metric.slice(0, 40)}": use latencies, calls or errors`);
  }
  const url = new URL(c.req.url);
  const services = url.searchParams.getAll("service").flatMap((s) => s.split(",")).filter(Boolean);
  if (services.length === 0) throw new InvalidParameter("service", "please provide at least one service name");
  let quantile = NaN;
  if (metric === "latencies") {
    quantile = Number(c.req.query("quantile"));
    if (!(quantile > 0 && quantile <= 1)) throw new InvalidParameter("quantile", "'quantile' must be a number in (0, 1]");
  }
  const groupBy = c.req.query("groupByOperation") ?? "false";
  if (groupBy !== "true" && groupBy !== "false" && groupBy !== "1" && groupBy !== "0") throw new InvalidParameter("groupByOperation", "'groupByOperation' must be true or false");
  const endMs = msParam(c.req.query("endTs"), "endTs", Date.now());
  const lookbackMs = msParam(c.req.query("lookback"), "lookback", HOUR, 1);
  const stepMs = msParam(c.req.query("step"), "step", 5_000, 1);
  const ratePerMs = msParam(c.req.query("ratePer"), "ratePer", 10 * 60_000, 1);
  checkRange(lookbackMs);
  if (lookbackMs / stepMs > 11_000) throw new InvalidParameter("step", "too many points: 'lookback' / 'step' must be at most 11,000");
  const query = {
    services,
    groupByOperation: groupBy === "true" || groupBy === "1",
    spanKinds: spanKinds(url.searchParams.getAll("spanKind"), [SpanKind.SERVER]),
    endMs,
    lookbackMs,
    stepMs,
    ratePerMs,
    quantile,
  };
  const buckets = await loadBuckets(c.env, c.get("tenant"), endMs - lookbackMs - ratePerMs, endMs, { stepMs });
  return c.json(metricFamily(metric as JaegerMetric, query, buckets));
});

metricsRoutes.get("/api/graph", async (c) => {
  const endMs = msParam(c.req.query("end"), "end", Date.now());
  const startMs = msParam(c.req.query("start"), "start", endMs - HOUR);
  if (startMs >= endMs) throw new InvalidParameter("start", "'start' must be before 'end'");
  checkRange(endMs - startMs, "start");
  const { resolution, total } = await loadTotal(c.env, c.get("tenant"), startMs, endMs);
  return c.json({ start: startMs, end: endMs, resolution, ...serviceGraph(total) });
});

metricsRoutes.get("/api/services/:service/metrics", requireReader(), async (c) => {
  const service = c.req.param("service");
  const endMs = msParam(c.req.query("end"), "end", Date.now());
  const startMs = msParam(c.req.query("start"), "start", endMs - HOUR);
  if (startMs >= endMs) throw new InvalidParameter("start", "'start' must be before 'end'");
  checkRange(endMs - startMs, "start");
  const span = endMs - startMs;
  // By default ~120 points, in whole minutes, or whole hours once the range is read from hours.
  const unit = span > MINUTE_RANGE_MAX_MS ? HOUR : MINUTE_MS;
  const stepMs = msParam(c.req.query("step"), "step", Math.max(unit, Math.ceil(span / 120 / unit) * unit), 1);
  if (span / stepMs > 2_000) throw new InvalidParameter("step", "too many points: the range / 'step' must be at most 2,000");
  const kinds = spanKinds(new URL(c.req.url).searchParams.getAll("spanKind"), [SpanKind.SERVER, SpanKind.CONSUMER]);
  const buckets = await loadBuckets(c.env, c.get("tenant"), startMs, endMs, { stepMs });
  return c.json({ start: startMs, end: endMs, resolution: buckets.resolution, ...serviceView(buckets, service, kinds, startMs, endMs, stepMs) });
});
