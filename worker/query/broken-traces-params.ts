/**
 * The parameters of a broken-propagation query as people and tools write them — `lookback` as
 * Jaeger's search takes it (`1h`, `30m`, `1d`), `service`, `limit`, `endTs` in ms — checked into
 * BrokenTracesParams, or an InvalidParameter (400) naming the one that is wrong. Shared by
 * `GET /api/broken-traces` and the MCP tool `find_broken_traces {lookback?}`.
 */
import { DEFAULT_LIMIT, DEFAULT_LOOKBACK_MS, MAX_LIMIT, MAX_LOOKBACK_MS, type BrokenTracesParams } from "./broken-traces";
import { parseLookback } from "./duration";
import { InvalidParameter } from "./errors";

/** `get(name)`: the parameter's text, or undefined when it was not given. */
export function brokenTracesParams(get: (name: "lookback" | "service" | "limit" | "endTs") => string | undefined, now = Date.now()): BrokenTracesParams {
  const service = get("service") ?? "";
  if (service.length > 1_000) throw new InvalidParameter("service", "'service' must be at most 1,000 characters");
  const end = get("endTs");
  const endMs = end === undefined || end === "" ? now : Number(end);
  if (!Number.isSafeInteger(endMs) || endMs < 0) throw new InvalidParameter("endTs", `'endTs' must be a whole number of milliseconds since the epoch, got "${String(end).slice(0, 40)}"`);
  return { endMs, lookbackMs: lookbackMs(get("lookback")), limit: limit(get("limit")), ...(service ? { service } : {}) };
}

function lookbackMs(text: string | undefined): number {
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

function limit(text: string | undefined): number {
  if (text === undefined || text === "") return DEFAULT_LIMIT;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new InvalidParameter("limit", `'limit' must be a whole number from 1 to ${MAX_LIMIT}, got "${text.slice(0, 40)}"`);
  return n;
}
