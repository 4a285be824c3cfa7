/**
 * Broken propagation (worker/query/broken-traces.ts): where a service dropped the trace context.
 *
 * - `GET /api/broken-traces?lookback=&service=&limit=&endTs=`: the findings of the window, newest
 *   first — trace id, suspect service, evidence, the fragments' trace ids, when — and broken traces
 *   per suspect service. `lookback` as Jaeger's search takes it (`1h`, `30m`, `1d`; default 1h, at
 *   most 24 h), `endTs` in ms (default now), `limit` 1–1,000 (default 100).
 * - `GET /api/traces/{traceId}/propagation`: the findings that concern one trace, for the trace
 *   view (Jaeger's own answer for the trace is left as Jaeger shapes it).
 *
 * Read keys or the session; every read is the caller's tenant's only.
 */
import { Hono } from "hono";
import { NotFound } from "../errors";
import { requireReader } from "../middleware/auth";
import { findBrokenTraces, tracePropagation } from "../query/broken-traces";
import { brokenTracesParams } from "../query/broken-traces-params";
import { InvalidParameter } from "../query/errors";
import { parseTraceId } from "../query/read-trace";

export const propagationRoutes = new Hono<{ Bindings: Env }>();

propagationRoutes.get("/api/broken-traces", requireReader(), async (c) => {
  const params = brokenTracesParams((name) => c.req.query(name));
  return c.json(await findBrokenTraces(c.env, c.get("tenant"), params));
});

propagationRoutes.get("/api/traces/:traceId/propagation", requireReader(), async (c) => {
  const raw = c.req.param("traceId");
  const traceId = parseTraceId(raw);
  if (!traceId) throw new InvalidParameter("traceID", `trace id must be 1 to 32 hex digits, got "${raw.slice(0, 64)}"`);
  const answer = await tracePropagation(c.env, c.get("tenant"), traceId);
  // Another tenant's trace is exactly as absent as one that never existed.
  if (!answer) throw new NotFound("trace not found");
  return c.json(answer);
});
