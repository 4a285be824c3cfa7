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
import { requireReader } from "../middleware/auth";
import { DEFAULT_LIMIT, DEFAULT_LOOKBACK_MS, findBrokenTraces, MAX_LIMIT, MAX_LOOKBACK_MS, tracePropagation } from "../query/broken-traces";
import { parseLookback } from "../query/duration";
import { InvalidParameter } from "../query/errors";
import { parseTraceId } from "../query/read-trace";
import { NotFound } from "../errors";

export const propagationRoutes = new Hono<{ Bindings: Env }>();

propagationRoutes.get("/api/broken-traces", requireReader(), async (c) => {
  const service = c.req.query("service") ?? "";
  if (service.length > 1_000) throw new InvalidParameter("service", "'service' must be at most 1,000 characters");
  const end = c.req.query("endTs");
  const endMs = end === undefined || end === "" ? Date.now() : Number(end);
  if (!Number.isSafeInteger(endMs) || endMs < 0) throw new InvalidParameter("endTs", `'endTs' must be a whole number of milliseconds since the epoch, got "${String(end).slice(0, 40)}"`);
  const result = await findBrokenTraces(c.env, c.get("tenant"), {
    endMs,
    lookbackMs: lookbackParam(c.req.query("lookback")),
    limit: limitParam(c.req.query("limit")),
    ...(service ? { service } : {}),
  });
  return c.json(result);
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

function lookbackParam(text: string | undefined): number {
  if (text === undefined || text === "") return DEFAULT_LOOKBACK_MS;
  let ns: number | null;
  try {
    ns = parseLookback(text);
  } catch {
    throw new InvalidParameter("lookback", `'lookback' must be a duration such as 1h, 30m or 1d, got "${text.slice(0, 40)}"`);
  }
  if (ns === null || ns <= 0) throw new InvalidParameter("lookback", `'lookback' must be a positive duration such as 1h, got "${text.slice(0, 40)}"`);
  const ms = ns / 1e6;
  if (ms > MAX_LOOKBACK_MS) throw new InvalidParameter("lookback", "'lookback' must be at most 24h: signs of broken propagation are kept a day");
  return ms;
}

function limitParam(text: string | undefined): number {
  if (text === undefined || text === "") return DEFAULT_LIMIT;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new InvalidParameter("limit", `'limit' must be a whole number from 1 to ${MAX_LIMIT}, got "${text.slice(0, 40)}"`);
  return n;
}
