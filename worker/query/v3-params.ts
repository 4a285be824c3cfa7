/**
 * `/api/v3/traces` and `/api/v3/trace-summaries` parameters (Jaeger query API v3, the grpc-gateway
 * form). Jaeger has spelled them both ways over time (`query.serviceName`, `query.service_name`),
 * so both are read. Times are RFC 3339 with up to nanosecond fractions, and both ends are required.
 */
import { micros, type Micros } from "../model/time";
import { parseGoDuration } from "./duration";
import { InvalidParameter } from "./errors";
import type { SearchQuery } from "./search-query";
import { tagConditions, tagsFromJson } from "./tags";
import { parseDuration, parseLimit } from "./v1-params";

export interface V3Search {
  query: SearchQuery;
  /** `query.rawTraces=true`: spans as stored, without clock-skew and id adjustments. */
  raw: boolean;
}

/** The first spelling present of one parameter. */
function pick(params: URLSearchParams, ...names: string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = params.get(name);
    if (value !== null && value !== "") return { name, value };
  }
  return null;
}

export function parseV3Search(params: URLSearchParams): V3Search {
  const min = pick(params, "query.startTimeMin", "query.start_time_min");
  const max = pick(params, "query.startTimeMax", "query.start_time_max");
  if (!min || !max) throw new InvalidParameter("query.startTimeMin", "query.startTimeMin and query.startTimeMax are required");
  const startUs = parseRfc3339(min.name, min.value);
  const endUs = parseRfc3339(max.name, max.value);
  if (endUs < startUs) throw new InvalidParameter(max.name, `${max.name} is before ${min.name}`);

  const tags = new Map<string, string>();
  const attributes = pick(params, "query.attributes");
  if (attributes) tagsFromJson(attributes.name, attributes.value, tags);

  const minName = pick(params, "query.durationMin", "query.duration_min")?.name ?? "query.durationMin";
  const maxName = pick(params, "query.durationMax", "query.duration_max")?.name ?? "query.durationMax";
  const durationMin = parseDuration(params, minName, parseGoDuration);
  const durationMax = parseDuration(params, maxName, parseGoDuration);
  if (durationMin !== null && durationMax !== null && durationMax < durationMin) {
    throw new InvalidParameter(maxName, `${maxName} should be greater than ${minName}`);
  }
  const raw = pick(params, "query.rawTraces", "query.raw_traces")?.value;
  return {
    query: {
      service: pick(params, "query.serviceName", "query.service_name")?.value ?? "",
      operation: pick(params, "query.operationName", "query.operation_name")?.value ?? "",
      tags: tagConditions(tags, "query.attributes"),
      startUs,
      endUs,
      durationMin,
      durationMax,
      limit: parseLimit(params, "query.searchDepth", "query.search_depth", "query.numTraces", "query.num_traces"),
    },
    raw: raw === "true" || raw === "1",
  };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 (Go's RFC3339Nano accepts any fraction up to 9 digits) → µs since the epoch, truncated. */
export function parseRfc3339(name: string, text: string): Micros {
  const match = RFC3339.exec(text);
  if (!match) throw new InvalidParameter(name, `malformed parameter ${name}: "${text.slice(0, 64)}" is not an RFC 3339 time such as 2024-01-02T15:04:05.999999999Z`);
  const [, year, month, day, hour, minute, second, fraction = "", , sign, offsetHours = "0", offsetMinutes = "0"] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const offsetMs = sign ? (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 : 0;
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCMonth() !== Number(month) - 1 || check.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw new InvalidParameter(name, `malformed parameter ${name}: "${text.slice(0, 64)}" is not a valid time`);
  }
  const fractionUs = Number(fraction.padEnd(6, "0").slice(0, 6));
  return micros((ms - offsetMs) * 1000 + fractionUs);
}
