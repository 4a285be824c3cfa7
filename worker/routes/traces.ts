/**
 * Jaeger query API v1 — trace by id. (Search, services and operations are their own issue.)
 */
import { Hono } from "hono";
import { envelope } from "../jaeger/v1-types";
import { toJaegerTrace } from "../jaeger/v1-trace";
import { requireReader } from "../middleware/auth";
import { parseTraceId, readTrace } from "../storage/read-trace";

export const traceRoutes = new Hono<{ Bindings: Env }>();

traceRoutes.get("/api/traces/:traceId", requireReader(), async (c) => {
  const raw = c.req.param("traceId");
  const traceId = parseTraceId(raw);
  if (!traceId) {
    return c.json(envelope(null, [{ code: 400, msg: `trace id must be 1 to 32 hex digits, got "${raw.slice(0, 64)}"` }]), 400);
  }
  const trace = await readTrace(c.env, c.get("tenantId"), traceId);
  // Another tenant's trace is exactly as absent as one that never existed.
  if (!trace || trace.spans.length === 0) {
    return c.json(envelope(null, [{ code: 404, msg: "trace not found", traceID: raw }]), 404);
  }
  return c.json(envelope([toJaegerTrace(trace)]));
});
