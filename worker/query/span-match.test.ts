/**
 * Jaeger's search semantics on decoded spans. The test trace:
 *
 *   api (resource: region=eu, host.name=a)     scope "http" 1.0 (scope attr lib.flavour=fast)
 *   ├─ GET /orders   SERVER  10 ms  http.status_code=200, event "cache miss" {cache.key=orders}
 *   │  └─ SELECT     CLIENT   3 ms  db.system=postgres, ERROR, link {link.reason=retry}
 *   └─ (db resource: region=us)
 *      query         INTERNAL 40 ms db.system=postgres
 */
import { describe, expect, it } from "vitest";
import { SpanKind, StatusCode, type Span, type Trace } from "../model/span";
import { micros } from "../model/time";
import { nanos } from "./duration";
import type { SearchQuery } from "./search-query";
import { traceMatches } from "./span-match";
import { tagCondition } from "./tags";

const T0 = 1_700_000_000_000_000; // µs

function span(overrides: Partial<Span> & { startMs: number; lengthMs: number }): Span {
  const { startMs, lengthMs, ...rest } = overrides;
  return {
    traceId: "a".repeat(32),
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: `${T0 + startMs * 1000}000`,
    endTimeUnixNano: `${T0 + (startMs + lengthMs) * 1000}000`,
    attributes: [],
    events: [],
    links: [],
    status: { code: StatusCode.UNSET },
    resource: 0,
    scope: 0,
    ...rest,
  };
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

const trace: Trace = {
  traceId: "a".repeat(32),
  resources: [
    { attributes: [str("service.name", "api"), str("region", "eu"), str("host.name", "a")] },
    { attributes: [str("service.name", "db"), str("region", "us")] },
  ],
  scopes: [{ name: "http", version: "1.0", attributes: [str("lib.flavour", "fast")] }, { name: "sql" }],
  spans: [
    span({
      spanId: "1".repeat(16),
      name: "GET /orders",
      kind: SpanKind.SERVER,
      startMs: 0,
      lengthMs: 10,
      attributes: [{ key: "http.status_code", value: { intValue: "200" } }],
      events: [{ timeUnixNano: `${T0 + 1000}000`, name: "cache miss", attributes: [str("cache.key", "orders")] }],
    }),
    span({
      spanId: "2".repeat(16),
      parentSpanId: "1".repeat(16),
      name: "SELECT",
      kind: SpanKind.CLIENT,
      startMs: 2,
      lengthMs: 3,
      attributes: [str("db.system", "postgres")],
      links: [{ traceId: "b".repeat(32), spanId: "3".repeat(16), attributes: [str("link.reason", "retry")] }],
      status: { code: StatusCode.ERROR, message: "deadlock" },
    }),
    span({ spanId: "4".repeat(16), name: "query", startMs: 20, lengthMs: 40, attributes: [str("db.system", "postgres")], resource: 1, scope: 1 }),
  ],
};

function query(overrides: Partial<SearchQuery> & { tagMap?: Record<string, string> } = {}): SearchQuery {
  const { tagMap = {}, ...rest } = overrides;
  return {
    service: "",
    operation: "",
    tags: Object.entries(tagMap).map(([k, v]) => tagCondition(k, v)),
    startUs: micros(0),
    endUs: micros(Number.MAX_SAFE_INTEGER),
    durationMin: null,
    durationMax: null,
    limit: 20,
    ...rest,
  };
}

const matches = (overrides: Parameters<typeof query>[0]) => traceMatches(trace, query(overrides));

describe("a span matching a search", () => {
  it("matches service and operation on the same span", () => {
    expect(matches({ service: "api", operation: "SELECT" })).toBe(true);
    expect(matches({ service: "db", operation: "SELECT" })).toBe(false);
    expect(matches({ operation: "query" })).toBe(true);
  });

  it("finds tag values in span, scope, resource, event and link attributes", () => {
    expect(matches({ tagMap: { "http.status_code": "200" } })).toBe(true);
    expect(matches({ tagMap: { "lib.flavour": "fast" } })).toBe(true);
    expect(matches({ tagMap: { region: "us" } })).toBe(true);
    expect(matches({ tagMap: { "cache.key": "orders" } })).toBe(true);
    expect(matches({ tagMap: { "link.reason": "retry" } })).toBe(true);
    expect(matches({ tagMap: { "link.reason": "first try" } })).toBe(false);
  });

  it("compares values as strings, so an int attribute matches its digits", () => {
    expect(matches({ tagMap: { "http.status_code": "200" } })).toBe(true);
    expect(matches({ tagMap: { "http.status_code": "200.0" } })).toBe(false);
  });

  it("requires every tag on the same span, not spread over the trace", () => {
    // region=eu is on the api spans, db.system=postgres on SELECT (api) and query (db).
    expect(matches({ tagMap: { region: "eu", "db.system": "postgres" } })).toBe(true);
    // cache.key is on GET /orders only, db.system on the other two: no single span has both.
    expect(matches({ tagMap: { "cache.key": "orders", "db.system": "postgres" } })).toBe(false);
    expect(matches({ service: "db", tagMap: { region: "eu" } })).toBe(false);
  });

  it("reads error, span.kind, span.status and scope.* from the span, not attributes", () => {
    expect(matches({ operation: "SELECT", tagMap: { error: "true" } })).toBe(true);
    expect(matches({ operation: "GET /orders", tagMap: { error: "true" } })).toBe(false);
    expect(matches({ operation: "GET /orders", tagMap: { error: "false" } })).toBe(true);
    expect(matches({ tagMap: { "span.kind": "client", "db.system": "postgres" } })).toBe(true);
    expect(matches({ tagMap: { "span.kind": "server", "db.system": "postgres" } })).toBe(false);
    expect(matches({ tagMap: { "span.status": "error", "span.kind": "CLIENT" } })).toBe(true);
    expect(matches({ tagMap: { "span.status": "ok" } })).toBe(false);
    expect(matches({ tagMap: { "scope.name": "sql", "db.system": "postgres" } })).toBe(true);
    expect(matches({ tagMap: { "scope.name": "sql", "http.status_code": "200" } })).toBe(false);
    expect(matches({ operation: "query", tagMap: { "scope.version": "1.0" } })).toBe(false);
    expect(matches({ tagMap: { "scope.version": "1.0" } })).toBe(true);
  });

  it("reads resource.<key> from the resource only", () => {
    expect(matches({ tagMap: { "resource.region": "us" } })).toBe(true);
    expect(matches({ tagMap: { "resource.db.system": "postgres" } })).toBe(false);
  });

  it("applies duration bounds to one span, not the trace", () => {
    // The trace lasts 60 ms; its spans 10, 3 and 40 ms.
    expect(matches({ durationMin: nanos(50e6) })).toBe(false);
    expect(matches({ durationMin: nanos(35e6), durationMax: nanos(45e6) })).toBe(true);
    expect(matches({ durationMin: nanos(11e6), durationMax: nanos(39e6) })).toBe(false);
    expect(matches({ service: "api", durationMin: nanos(11e6) })).toBe(false);
    expect(matches({ durationMax: nanos(3e6) })).toBe(true);
    expect(matches({ durationMax: nanos(3e6 - 1) })).toBe(false);
  });

  it("applies the time window to each span's start", () => {
    expect(matches({ startUs: micros(T0 + 15_000), endUs: micros(T0 + 25_000) })).toBe(true);
    expect(matches({ startUs: micros(T0 + 15_000), endUs: micros(T0 + 19_999) })).toBe(false);
    expect(matches({ operation: "SELECT", startUs: micros(T0 + 2_000), endUs: micros(T0 + 2_000) })).toBe(true);
  });
});
