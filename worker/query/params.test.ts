import { describe, expect, it } from "vitest";
import { SpanKind, StatusCode } from "../model/span";
import { micros } from "../model/time";
import { InvalidParameter } from "./errors";
import { DEFAULT_LIMIT, DEFAULT_LOOKBACK_US, MAX_LIMIT, type SearchQuery } from "./search-query";
import { parseV1Search } from "./v1-params";
import { parseRfc3339, parseV3Search } from "./v3-params";

const NOW = micros(1_800_000_000_000_000);

function v1(query: string): SearchQuery {
  const parsed = parseV1Search(new URLSearchParams(query), NOW);
  if (parsed.kind !== "search") throw new Error("expected a search");
  return parsed.query;
}

function v1Error(query: string): InvalidParameter {
  try {
    parseV1Search(new URLSearchParams(query), NOW);
  } catch (error) {
    if (error instanceof InvalidParameter) return error;
    throw error;
  }
  throw new Error(`no error for ${query}`);
}

describe("v1 search parameters", () => {
  it("defaults to any service, the last two days and 100 traces", () => {
    expect(v1("")).toEqual({
      service: "",
      operation: "",
      tags: [],
      startUs: NOW - DEFAULT_LOOKBACK_US,
      endUs: NOW,
      durationMin: null,
      durationMax: null,
      limit: DEFAULT_LIMIT,
    });
  });

  it("reads service, operation, start, end and limit", () => {
    expect(v1("service=frontend&operation=GET%20%2F&start=10&end=20&limit=5")).toMatchObject({ service: "frontend", operation: "GET /", startUs: 10, endUs: 20, limit: 5 });
  });

  it("uses the lookback when there is no start", () => {
    expect(v1("lookback=1h").startUs).toBe(NOW - 3_600_000_000);
    expect(v1("lookback=2d").startUs).toBe(NOW - 2 * 86_400_000_000);
    expect(v1("lookback=custom&start=5").startUs).toBe(5);
  });

  it("reads durations as Go durations in nanoseconds", () => {
    expect(v1("minDuration=1.5ms&maxDuration=2s")).toMatchObject({ durationMin: 1_500_000, durationMax: 2e9 });
  });

  it("merges repeated tag=key:value with the tags JSON map, the JSON last", () => {
    const { tags } = v1(`tag=http.url:http://x:8080/a&tag=a:1&tags=${encodeURIComponent('{"a":"2","n":404,"b":true}')}`);
    expect(tags).toEqual([
      { kind: "attribute", key: "http.url", value: "http://x:8080/a" },
      { kind: "attribute", key: "a", value: "2" },
      { kind: "attribute", key: "n", value: "404" },
      { kind: "attribute", key: "b", value: "true" },
    ]);
  });

  it("turns the special keys into span-field conditions", () => {
    const { tags } = v1(
      `tags=${encodeURIComponent(
        JSON.stringify({ error: "true", "span.kind": "Server", "span.status": "STATUS_CODE_ERROR", "scope.name": "http", "scope.version": "1.2", "resource.host.name": "h1", "otel.status_code": "OK" }),
      )}`,
    );
    expect(tags).toEqual([
      { kind: "error", value: true },
      { kind: "spanKind", value: SpanKind.SERVER },
      { kind: "status", value: StatusCode.ERROR },
      { kind: "scopeName", value: "http" },
      { kind: "scopeVersion", value: "1.2" },
      { kind: "resource", key: "host.name", value: "h1" },
      { kind: "status", value: StatusCode.OK },
    ]);
    expect(v1("tag=error:nope").tags).toEqual([{ kind: "error", value: null }]);
  });

  it("treats limit=0 as the default and caps huge limits", () => {
    expect(v1("limit=0").limit).toBe(DEFAULT_LIMIT);
    expect(v1("limit=999999").limit).toBe(MAX_LIMIT);
  });

  it.each([
    ["tags={bad", "tags", /cannot parse JSON/],
    ["tags=[1]", "tags", /JSON object/],
    [`tags=${encodeURIComponent('{"a":{"b":1}}')}`, "tags", /must be a string/],
    ["tag=novalue", "tag", /key:value/],
    ["minDuration=fast", "minDuration", /minDuration/],
    ["maxDuration=-1s", "maxDuration", /negative/],
    ["minDuration=2s&maxDuration=1s", "maxDuration", /greater than/],
    ["start=20&end=10", "end", /before/],
    ["start=yesterday", "start", /microseconds/],
    ["limit=ten", "limit", /integer/],
    ["lookback=1y", "lookback", /lookback/],
    ["traceID=xyz", "traceID", /hex/],
  ])("refuses %s naming the parameter", (query, parameter, message) => {
    const error = v1Error(query);
    expect(error.parameter).toBe(parameter);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it("fetches listed trace ids instead of searching, padding 16-digit ids", () => {
    expect(parseV1Search(new URLSearchParams("traceID=ABCDEF0123456789&traceID=1&service=x"), NOW)).toEqual({
      kind: "ids",
      traceIds: [
        { id: "0000000000000000abcdef0123456789", asGiven: "ABCDEF0123456789" },
        { id: "00000000000000000000000000000001", asGiven: "1" },
      ],
    });
  });
});

describe("v3 search parameters", () => {
  const window = "query.startTimeMin=2024-01-02T03:04:05Z&query.startTimeMax=2024-01-02T04:04:05.123456789Z";

  it("reads camelCase and snake_case spellings alike", () => {
    const camel = parseV3Search(new URLSearchParams(`${window}&query.serviceName=a&query.operationName=b&query.durationMin=1ms&query.searchDepth=7`));
    const snake = parseV3Search(
      new URLSearchParams(
        "query.start_time_min=2024-01-02T03:04:05Z&query.start_time_max=2024-01-02T04:04:05.123456789Z&query.service_name=a&query.operation_name=b&query.duration_min=1ms&query.num_traces=7",
      ),
    );
    expect(camel).toEqual(snake);
    expect(camel.query).toMatchObject({ service: "a", operation: "b", durationMin: 1e6, limit: 7, startUs: 1_704_164_645_000_000, endUs: 1_704_168_245_123_456 });
  });

  it("reads attributes as a JSON map and rawTraces as a flag", () => {
    const { query, raw } = parseV3Search(new URLSearchParams(`${window}&query.attributes=${encodeURIComponent('{"k":"v"}')}&query.rawTraces=true`));
    expect(query.tags).toEqual([{ kind: "attribute", key: "k", value: "v" }]);
    expect(raw).toBe(true);
  });

  it("requires both ends of the time window", () => {
    expect(() => parseV3Search(new URLSearchParams("query.startTimeMin=2024-01-02T03:04:05Z"))).toThrow(/required/);
  });

  it.each(["2024-01-02", "2024-13-02T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-02T03:04:05", "yesterday"])("refuses the time %s", (text) => {
    expect(() => parseRfc3339("query.startTimeMin", text)).toThrow(InvalidParameter);
  });

  it("applies time zone offsets", () => {
    expect(parseRfc3339("t", "2024-01-02T05:04:05+02:00")).toBe(parseRfc3339("t", "2024-01-02T03:04:05Z"));
  });
});
