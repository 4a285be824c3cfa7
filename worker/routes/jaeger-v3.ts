/**
 * Jaeger query API v3 (Jaeger UI ≥ 2.16, api_v3 over HTTP): services, operations, trace search and
 * traces by id as OTLP JSON, and trace summaries. Tenant-scoped like v1 (requireReader()).
 */
import { Hono } from "hono";
import { jaegerErrors } from "../jaeger/errors";
import { toOtlpResourceSpans } from "../jaeger/v3-otlp";
import { toTraceSummary } from "../jaeger/v3-summary";
import { v3Error, type V3TracesResponse } from "../jaeger/v3-types";
import { requireReader } from "../middleware/auth";
import type { Trace } from "../model/span";
import { adjustTrace } from "../query/adjust";
import { findOperations, findServices } from "../query/catalog";
import { InvalidParameter } from "../query/errors";
import { formatSearchStats, SEARCH_STATS_HEADER, searchTraces } from "../query/search";
import { parseV3Search } from "../query/v3-params";
import type { TimeHints } from "../storage/shard-protocol";
import { parseTraceId, readTrace } from "../query/read-trace";

export const jaegerV3Routes = new Hono<{ Bindings: Env }>();

jaegerV3Routes.use("/api/v3/*", requireReader(), jaegerErrors("v3"));

jaegerV3Routes.get("/api/v3/services", async (c) => c.json({ services: await findServices(c.env, c.get("tenant")) }));

jaegerV3Routes.get("/api/v3/operations", async (c) => {
  const service = c.req.query("service") ?? c.req.query("query.serviceName") ?? "";
  if (!service) throw new InvalidParameter("service", "parameter 'service' is required");
  const spanKind = c.req.query("spanKind") ?? c.req.query("span_kind") ?? "";
  return c.json({ operations: await findOperations(c.env, c.get("tenant"), service, spanKind) });
});

jaegerV3Routes.get("/api/v3/traces", async (c) => {
  const { query, raw } = parseV3Search(new URL(c.req.url).searchParams);
  const { traces, stats } = await searchTraces(c.env, c.get("tenant"), query);
  c.header(SEARCH_STATS_HEADER, formatSearchStats(stats));
  if (traces.length === 0) return c.json(v3Error(404, "trace not found"), 404);
  return c.json(otlp(traces, raw));
});

jaegerV3Routes.get("/api/v3/traces/:traceId", async (c) => {
  const given = c.req.param("traceId");
  const traceId = parseTraceId(given);
  if (!traceId) throw new InvalidParameter("trace_id", `malformed parameter trace_id: "${given.slice(0, 64)}" is not 1 to 32 hex digits`);
  const trace = await readTrace(c.env, c.get("tenant"), traceId, timeHints(c.req.query("start_time"), c.req.query("end_time")));
  if (!trace || trace.spans.length === 0) return c.json(v3Error(404, "trace not found"), 404);
  const raw = (c.req.query("raw_traces") ?? c.req.query("rawTraces")) === "true";
  return c.json(otlp([trace], raw));
});

jaegerV3Routes.get("/api/v3/trace-summaries", async (c) => {
  const { query } = parseV3Search(new URL(c.req.url).searchParams);
  const { traces, stats } = await searchTraces(c.env, c.get("tenant"), query);
  c.header(SEARCH_STATS_HEADER, formatSearchStats(stats));
  return c.json({ summaries: traces.map((trace) => toTraceSummary(trace, adjustTrace(trace).orphanCount)) });
});

function otlp(traces: Trace[], raw: boolean): V3TracesResponse {
  const resourceSpans = traces.flatMap((trace) => {
    if (raw) return toOtlpResourceSpans(trace);
    const adjusted = adjustTrace(trace);
    return toOtlpResourceSpans(adjusted.trace, adjusted);
  });
  return { result: { resourceSpans } };
}

/**
 * Jaeger v3's optional start_time/end_time (RFC 3339) on a lookup by id: they narrow which blocks
 * are read. A malformed one is refused, as Jaeger does.
 */
function timeHints(start: string | undefined, end: string | undefined): TimeHints {
  const hints: TimeHints = {};
  for (const [name, value] of [["start_time", start], ["end_time", end]] as const) {
    if (!value) continue;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new InvalidParameter(name, `malformed parameter ${name}: "${value.slice(0, 64)}" is not an RFC 3339 time`);
    if (name === "start_time") hints.startUs = ms * 1000;
    else hints.endUs = ms * 1000 + 999;
  }
  return hints;
}
