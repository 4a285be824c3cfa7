import { describe, expect, it } from "vitest";
import { findSpans, parseFindQuery, sameOperationQuery, stepMatch } from "./find";
import { normalizeTrace } from "./normalize";
import { makeTrace, tag } from "./testing/builders";

/**
 *   0 a frontend GET /dispatch           http.route=/dispatch
 *   1 ├ b customer SELECT customer        db.system=mysql, 800 ms, error, log event=lock wait
 *   2 └ c redis GET driver:42             60 µs
 */
const trace = () =>
  normalizeTrace(
    makeTrace(
      [
        { id: "00000000000000aa", service: "frontend", op: "GET /dispatch", start: 0, duration: 900_000, kind: "server", tags: { "http.route": "/dispatch" } },
        { id: "00000000000000bb", parent: "00000000000000aa", service: "customer", op: "SELECT customer", start: 10, duration: 800_000, error: true, tags: { "db.system": "mysql", "db.rows": 3 }, logs: [{ at: 20, fields: { event: "lock wait" } }] },
        { id: "00000000000000cc", parent: "00000000000000aa", service: "redis", op: "GET driver:42", start: 810_000, duration: 60, kind: "client" },
      ],
      { processTags: { redis: [tag("k8s.pod.name", "redis-0")] } },
    ),
  );

const find = (query: string) => {
  const result = findSpans(trace(), query);
  return result && [...result];
};

describe("findSpans", () => {
  it("matches text in operation and service, ignoring case", () => {
    expect(find("select")).toEqual([1]);
    expect(find("REDIS")).toEqual([2]);
  });

  it("matches a span id, tag keys and values, process tags and log fields", () => {
    expect(find("00000000000000cc")).toEqual([2]);
    expect(find("mysql")).toEqual([1]);
    expect(find("http.route")).toEqual([0]);
    expect(find("redis-0")).toEqual([2]);
    expect(find("lock")).toEqual([1]);
  });

  it("matches key=value exactly, on tags and on the span's own fields", () => {
    expect(find("db.rows=3")).toEqual([1]);
    expect(find("db.rows=30")).toEqual([]);
    expect(find("service=frontend")).toEqual([0]);
    expect(find("kind=client")).toEqual([2]);
    expect(find("error=true")).toEqual([1]);
    expect(find("event=lock wait")).toEqual([]); // unquoted: two terms
    expect(find('"lock wait"')).toEqual([1]);
    expect(find('event="lock wait"')).toEqual([1]);
    expect(find('operation="GET driver:42"')).toEqual([2]);
  });

  it("requires every term and honours negation", () => {
    expect(find("get -redis")).toEqual([0]);
    expect(find("get dispatch")).toEqual([0]);
  });

  it("filters by duration bounds", () => {
    expect(find(">500ms")).toEqual([0, 1]);
    expect(find("<100us")).toEqual([2]);
    expect(find(">0.85s")).toEqual([0]);
  });

  it("returns null for a blank query and an empty list for no match", () => {
    expect(find("   ")).toBeNull();
    expect(find("nothing-like-this")).toEqual([]);
  });

  it("parses quoted terms as text even with an equals sign", () => {
    expect(parseFindQuery('"a=b" -x=y')).toEqual([
      { type: "text", text: "a=b", negate: false },
      { type: "tag", key: "x", value: "y", negate: true },
    ]);
  });
});

describe("sameOperationQuery", () => {
  it("builds a query that finds the spans with a span's service and operation", () => {
    expect(sameOperationQuery("redis", "GET driver:42")).toBe('service=redis operation="GET driver:42"');
    expect(find(sameOperationQuery("redis", "GET driver:42"))).toEqual([2]);
  });
});

describe("stepMatch", () => {
  it("moves to the next and previous match, wrapping around", () => {
    const matches = Int32Array.from([2, 5, 9]);
    expect(stepMatch(matches, -1, 1)).toBe(2);
    expect(stepMatch(matches, 5, 1)).toBe(9);
    expect(stepMatch(matches, 9, 1)).toBe(2);
    expect(stepMatch(matches, 5, -1)).toBe(2);
    expect(stepMatch(matches, 2, -1)).toBe(9);
    expect(stepMatch(new Int32Array(), 0, 1)).toBe(-1);
  });
});
