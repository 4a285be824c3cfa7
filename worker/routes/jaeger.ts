/**
 * Jaeger query API v1 — what Jaeger UI and Grafana's Jaeger data source call: services,
 * operations, trace search and traces by id, in Jaeger's JSON envelope. Every route reads only the
 * calling tenant's data (requireReader() sets the tenant; every query below is scoped to it).
 */
import { Hono } from "hono";
import { jaegerErrors } from "../jaeger/errors";
import { compactTrace, COMPACT_QUERY } from "../jaeger/v1-compact";
import { toJaegerTrace } from "../jaeger/v1-trace";
import { envelope, type JaegerError, type JaegerTrace } from "../jaeger/v1-types";
import { requireReader } from "../middleware/auth";
import type { Trace } from "../model/span";
import { micros } from "../model/time";
import { adjustTrace } from "../query/adjust";
import { findOperations, findServices } from "../query/catalog";
import { InvalidParameter } from "../query/errors";
import { formatSearchStats, SEARCH_STATS_HEADER, searchTraces } from "../query/search";
import { parseV1Search } from "../query/v1-params";
import { loadModelPrices } from "../storage/model-prices";
import { parseTraceId, readTrace } from "../query/read-trace";
import { assembleTrace } from "../query/assemble";
import { JSON_ADVICE, MAX_JSON_BODY_BYTES, readCappedBody } from "../ingest/body";
import { decodeJsonRequest } from "../otlp/json-decode";
import { UndecodableBody } from "../otlp/decoded";

export const jaegerRoutes = new Hono<{ Bindings: Env }>();

// "/x/*" also matches "/x" itself.
for (const path of ["/api/services/*", "/api/operations", "/api/traces/*"]) jaegerRoutes.use(path, requireReader(), jaegerErrors("v1"));

jaegerRoutes.get("/api/services", async (c) => c.json(envelope(await findServices(c.env, c.get("tenant")))));

jaegerRoutes.get("/api/services/:service/operations", async (c) => {
  const operations = await findOperations(c.env, c.get("tenant"), c.req.param("service"));
  return c.json(envelope([...new Set(operations.map((op) => op.name))]));
});

jaegerRoutes.get("/api/operations", async (c) => {
  const service = c.req.query("service");
  if (!service) throw new InvalidParameter("service", "parameter 'service' is required");
  return c.json(envelope(await findOperations(c.env, c.get("tenant"), service, c.req.query("spanKind") ?? "")));
});

jaegerRoutes.get("/api/traces", async (c) => {
  const config = c.get("tenant");
  const request = parseV1Search(new URL(c.req.url).searchParams, micros(Date.now() * 1000));
  const raw = c.req.query("raw") === "true";
  if (request.kind === "ids") {
    // Jaeger's multi-id fetch: the traces found, and an error entry for each one that is not.
    const found = await Promise.all(request.traceIds.map(({ id }) => readTrace(c.env, config, id)));
    const data: JaegerTrace[] = [];
    const errors: JaegerError[] = [];
    found.forEach((trace, i) => {
      if (trace && trace.spans.length > 0) data.push(view(trace, raw));
      else errors.push({ code: 404, msg: "trace not found", traceID: request.traceIds[i]?.asGiven ?? "" });
    });
    return c.json(envelope(data, errors.length ? errors : null));
  }
  const genai = request.query.genai;
  // The price table only when a minimum cost needs it: one small D1 read.
  if (genai && genai.minCostUsd !== null) genai.prices = (await loadModelPrices(c.env.DB, config.tenantId)).prices;
  const { traces, stats } = await searchTraces(c.env, config, request.query);
  c.header(SEARCH_STATS_HEADER, formatSearchStats(stats));
  return c.json(envelope(traces.map((trace) => view(trace, raw))));
});

jaegerRoutes.get("/api/traces/:traceId", async (c) => {
  const raw = c.req.param("traceId");
  const traceId = parseTraceId(raw);
  if (!traceId) throw new InvalidParameter("traceID", `trace id must be 1 to 32 hex digits, got "${raw.slice(0, 64)}"`);
  const trace = await readTrace(c.env, c.get("tenant"), traceId);
  // Another tenant's trace is exactly as absent as one that never existed.
  if (!trace || trace.spans.length === 0) {
    return c.json(envelope(null, [{ code: 404, msg: "trace not found", traceID: raw }]), 404);
  }
  const jaeger = view(trace, c.req.query("raw") === "true");
  // Our app asks for the same trace in a lossless compact form (see v1-compact.ts); anyone else
  // (Jaeger UI, Grafana) gets Jaeger's JSON as Jaeger answers it.
  return c.json(envelope([c.req.query("format") === COMPACT_QUERY ? compactTrace(jaeger) : jaeger]));
});

/**
 * `POST /api/transform`: OTLP/JSON in, Jaeger's trace JSON out (what Jaeger UI uploads an OTLP file
 * through). Nothing is stored.
 */
jaegerRoutes.post("/api/transform", requireReader(), jaegerErrors("v1"), async (c) => {
  const body = await readCappedBody(c.req.raw, MAX_JSON_BODY_BYTES, JSON_ADVICE);
  let decoded;
  try {
    decoded = decodeJsonRequest(new TextDecoder().decode(body));
  } catch (error) {
    if (error instanceof UndecodableBody) throw new InvalidParameter("body", error.message);
    throw error;
  }
  const traceIds = [...new Set(decoded.batch.spans.map((s) => s.traceId))];
  const traces = traceIds.map((traceId) => view(assembleTrace(traceId, [decoded.batch]), false));
  const errors = decoded.rejectedSpans ? [{ code: 400, msg: decoded.errorMessage }] : null;
  return c.json(envelope(traces, errors));
});

/** A trace as Jaeger shows it: adjusted (clock skew, shared ids, orphans flagged) unless `raw=true`. */
function view(trace: Trace, raw: boolean): JaegerTrace {
  if (raw) return toJaegerTrace(trace);
  const adjusted = adjustTrace(trace);
  return toJaegerTrace(adjusted.trace, adjusted);
}
