/**
 * `GET /api/traces` parameters (Jaeger query API v1) → a search, or a fetch of listed trace ids.
 * Names and defaults follow Jaeger's query parser; where Jaeger would fail deep inside a store we
 * answer a clear 400 naming the parameter instead.
 */
import { micros, type Micros } from "../model/time";
import { parseTraceId } from "./read-trace";
import { nanos, parseGoDuration, parseLookback, type Nanos } from "./duration";
import { InvalidParameter } from "./errors";
import { DEFAULT_LIMIT, DEFAULT_LOOKBACK_US, MAX_LIMIT, MAX_TRACE_IDS, type GenAiFilter, type SearchQuery } from "./search-query";
import { tagConditions, tagsFromJson, tagsFromPairs } from "./tags";

export type V1Request = { kind: "ids"; traceIds: Array<{ id: string; asGiven: string }> } | { kind: "search"; query: SearchQuery };

export function parseV1Search(params: URLSearchParams, nowUs: Micros): V1Request {
  const ids = params.getAll("traceID");
  if (ids.length > 0) {
    if (ids.length > MAX_TRACE_IDS) {
      throw new InvalidParameter("traceID", `too many traceID params: ${ids.length} given, at most ${MAX_TRACE_IDS} per request`);
    }
    return {
      kind: "ids",
      traceIds: ids.map((asGiven) => {
        const id = parseTraceId(asGiven);
        if (!id) throw new InvalidParameter("traceID", `cannot parse traceID param: "${asGiven.slice(0, 64)}" is not 1 to 32 hex digits`);
        return { id, asGiven };
      }),
    };
  }
  const tags = new Map<string, string>();
  tagsFromPairs("tag", params.getAll("tag"), tags);
  for (const json of params.getAll("tags")) tagsFromJson("tags", json, tags);

  const endUs = optionalMicros(params, "end") ?? nowUs;
  const lookback = parseDuration(params, "lookback", parseLookback);
  const startUs = optionalMicros(params, "start") ?? micros(endUs - (lookback !== null ? Math.floor(lookback / 1000) : DEFAULT_LOOKBACK_US));
  if (endUs < startUs) throw new InvalidParameter("end", `'end' (${endUs}) is before 'start' (${startUs})`);

  const durationMin = parseDuration(params, "minDuration", parseGoDuration);
  const durationMax = parseDuration(params, "maxDuration", parseGoDuration);
  if (durationMin !== null && durationMax !== null && durationMax < durationMin) {
    throw new InvalidParameter("maxDuration", "'maxDuration' should be greater than 'minDuration'");
  }
  return {
    kind: "search",
    query: {
      service: params.get("service") ?? "",
      operation: params.get("operation") ?? "",
      tags: tagConditions(tags, "tags"),
      startUs,
      endUs,
      durationMin,
      durationMax,
      limit: parseLimit(params, "limit"),
      ...genAiParams(params),
    },
  };
}

/**
 * The app's GenAI filters (`model`, `agent`, `minTokens`, `minCost` in USD), not Jaeger's: absent
 * unless one is given. The prices are the caller's to fill in (the route reads the tenant's table
 * only when `minCost` needs it).
 */
function genAiParams(params: URLSearchParams): { genai?: GenAiFilter } {
  const text = (name: string) => {
    const value = params.get(name)?.trim() ?? "";
    if (value.length > 256) throw new InvalidParameter(name, `'${name}' is longer than 256 characters`);
    return value;
  };
  const model = text("model");
  const agent = text("agent");
  const minTokensText = text("minTokens");
  const minCostText = text("minCost");
  if (!model && !agent && !minTokensText && !minCostText) return {};
  let minTokens: number | null = null;
  if (minTokensText) {
    if (!/^\d{1,15}$/.test(minTokensText)) throw new InvalidParameter("minTokens", `unable to parse param 'minTokens': expected a whole number of tokens, got "${minTokensText.slice(0, 64)}"`);
    minTokens = Number(minTokensText);
  }
  let minCostUsd: number | null = null;
  if (minCostText) {
    const cost = /^\d{1,9}(\.\d{1,12})?$|^\.\d{1,12}$/.test(minCostText) ? Number(minCostText) : NaN;
    if (!Number.isFinite(cost)) throw new InvalidParameter("minCost", `unable to parse param 'minCost': expected US dollars such as 0.05, got "${minCostText.slice(0, 64)}"`);
    minCostUsd = cost;
  }
  return { genai: { model, agent, minTokens, minCostUsd, prices: [] } };
}

/** An integer of microseconds since the epoch, or null when absent. */
function optionalMicros(params: URLSearchParams, name: string): Micros | null {
  const text = params.get(name);
  if (text === null || text === "") return null;
  if (!/^\d{1,17}$/.test(text)) throw new InvalidParameter(name, `unable to parse param '${name}': expected microseconds since the epoch, got "${text.slice(0, 64)}"`);
  return micros(Number(text));
}

/** A duration parameter; negative durations bound nothing, so they are refused rather than ignored. */
export function parseDuration(params: URLSearchParams, name: string, parse: (text: string) => Nanos | null): Nanos | null {
  const text = params.get(name);
  if (text === null || text === "") return null;
  let value: Nanos | null;
  try {
    value = parse(text);
  } catch (error) {
    throw new InvalidParameter(name, `unable to parse param '${name}': ${(error as Error).message}`);
  }
  if (value !== null && value < 0) throw new InvalidParameter(name, `unable to parse param '${name}': "${text}" is negative`);
  return value === null ? null : nanos(value);
}

/** `limit`: absent or 0 → Jaeger's default; capped so one search cannot read without bound. */
export function parseLimit(params: URLSearchParams, ...names: string[]): number {
  for (const name of names) {
    const text = params.get(name);
    if (text === null || text === "") continue;
    if (!/^\d{1,9}$/.test(text)) throw new InvalidParameter(name, `unable to parse param '${name}': expected a non-negative integer, got "${text.slice(0, 64)}"`);
    const limit = Number(text);
    return limit === 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
  }
  return DEFAULT_LIMIT;
}
