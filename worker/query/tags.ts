/**
 * Tag conditions from what users type. Values are strings (Jaeger compares the string form of an
 * attribute); a few keys are not attributes but span fields, as in Jaeger v2: `error`,
 * `span.kind`, `span.status`, `scope.name`, `scope.version`, and `resource.<key>`. The tags
 * Jaeger's v1 JSON shows for those fields (`otel.status_code`, `otel.scope.name`, …) work too, so
 * a tag copied from a trace view finds its span.
 */
import { SpanKind, StatusCode } from "../model/span";
import { InvalidParameter } from "./errors";
import { MAX_TAG_CONDITIONS, type TagCondition } from "./search-query";

const KINDS: Record<string, SpanKind> = {
  unspecified: SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

const STATUSES: Record<string, StatusCode> = { unset: StatusCode.UNSET, ok: StatusCode.OK, error: StatusCode.ERROR };

/** Go's strconv.ParseBool, which Jaeger uses for `error`. */
const BOOLEANS: Record<string, boolean> = {
  "1": true, t: true, T: true, true: true, TRUE: true, True: true,
  "0": false, f: false, F: false, false: false, FALSE: false, False: false,
};

export function tagCondition(key: string, value: string): TagCondition {
  switch (key) {
    case "error":
      return { kind: "error", value: BOOLEANS[value] ?? null };
    case "span.kind":
      return { kind: "spanKind", value: KINDS[stripPrefix(value, "span_kind_")] ?? SpanKind.UNSPECIFIED };
    case "span.status":
    case "otel.status_code":
      return { kind: "status", value: STATUSES[stripPrefix(value, "status_code_")] ?? StatusCode.UNSET };
    case "scope.name":
    case "otel.scope.name":
      return { kind: "scopeName", value };
    case "scope.version":
    case "otel.scope.version":
      return { kind: "scopeVersion", value };
  }
  if (key.startsWith("resource.") && key.length > "resource.".length) {
    return { kind: "resource", key: key.slice("resource.".length), value };
  }
  return { kind: "attribute", key, value };
}

/** "SPAN_KIND_SERVER", "Server", "server" all name the same kind (Jaeger compares case-insensitively). */
function stripPrefix(value: string, prefix: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith(prefix) ? lower.slice(prefix.length) : lower;
}

/** Conditions from a JSON map (`tags=` in v1, `query.attributes=` in v3); later keys replace earlier ones. */
export function tagsFromJson(parameter: string, json: string, into: Map<string, string>): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new InvalidParameter(parameter, `malformed '${parameter}' parameter, cannot parse JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidParameter(parameter, `malformed '${parameter}' parameter: expected a JSON object of tag → value`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    // Jaeger wants strings; numbers and booleans mean the same string, so take them too.
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new InvalidParameter(parameter, `malformed '${parameter}' parameter: the value of "${key}" must be a string`);
    }
    into.set(key, String(value));
  }
}

/** Conditions from repeated `tag=key:value` (the value may itself contain colons). */
export function tagsFromPairs(parameter: string, pairs: string[], into: Map<string, string>): void {
  for (const pair of pairs) {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw new InvalidParameter(parameter, `malformed '${parameter}' parameter, expecting key:value, received: ${pair}`);
    into.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
}

/** The search's conditions; more than MAX_TAG_CONDITIONS distinct keys is a 400 naming `parameter`. */
export function tagConditions(tags: Map<string, string>, parameter: string): TagCondition[] {
  if (tags.size > MAX_TAG_CONDITIONS) {
    throw new InvalidParameter(parameter, `too many tag conditions: ${tags.size} given, at most ${MAX_TAG_CONDITIONS} per search`);
  }
  return [...tags].map(([key, value]) => tagCondition(key, value));
}
