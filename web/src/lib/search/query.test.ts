import { describe, expect, it } from "vitest";
import type { Micros } from "$model/time";
import { apiParams, DEFAULT_LIMIT, formFromQuery, lookbackMicros, queryFromForm, readQuery, writeQuery, type SearchForm, type SearchQuery } from "./query";

const us = (n: number) => n as Micros;

function makeQuery(overrides: Partial<SearchQuery> = {}): SearchQuery {
  return { service: "frontend", operation: "", tags: "", lookback: "1h", start: null, end: null, minDuration: "", maxDuration: "", limit: DEFAULT_LIMIT, model: "", agent: "", minTokens: "", minCost: "", ...overrides };
}

function makeForm(overrides: Partial<SearchForm> = {}): SearchForm {
  return { ...makeQuery(), start: "2026-11-24T09:00", end: "2026-11-24T10:00", ...overrides };
}

describe("URL state", () => {
  it("round-trips a full query through the URL", () => {
    const query = makeQuery({ operation: "GET /dispatch", tags: 'error=true db.statement="SELECT 1"', lookback: "2d", minDuration: "100ms", maxDuration: "2s", limit: 50 });
    const params = writeQuery(query);
    expect(params.toString()).toBe(
      "service=frontend&operation=GET+%2Fdispatch&tags=error%3Dtrue+db.statement%3D%22SELECT+1%22&lookback=2d&minDuration=100ms&maxDuration=2s&limit=50",
    );
    expect(readQuery(params)).toEqual(query);
  });

  it("leaves defaults out of the URL", () => {
    expect(writeQuery(makeQuery()).toString()).toBe("service=frontend");
  });

  it("keeps a custom range as µs and reads it back", () => {
    const query = makeQuery({ lookback: "custom", start: us(1_700_000_000_000_000), end: us(1_700_000_360_000_000) });
    expect(writeQuery(query).toString()).toBe("service=frontend&lookback=custom&start=1700000000000000&end=1700000360000000");
    expect(readQuery(writeQuery(query))).toEqual(query);
  });

  it("falls back to defaults for nonsense in a hand-edited URL", () => {
    const query = readQuery(new URLSearchParams("lookback=forever&limit=-3&start=abc"));
    expect(query).toEqual(makeQuery({ service: "" }));
    expect(readQuery(new URLSearchParams("lookback=custom&start=5")).lookback).toBe("1h");
    expect(readQuery(new URLSearchParams("limit=99999")).limit).toBe(1500);
  });
});

describe("the form", () => {
  it("accepts a valid form and trims what was typed", () => {
    const result = queryFromForm(makeForm({ tags: "  error=true ", minDuration: " 1ms" }));
    expect(result).toEqual({ ok: true, query: makeQuery({ tags: "error=true", minDuration: "1ms" }) });
  });

  it("reports each bad input against its own field", () => {
    const result = queryFromForm(makeForm({ tags: "error", minDuration: "fast", maxDuration: "1d", limit: 0 }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(["limit", "maxDuration", "minDuration", "tags"]);
    expect(result.errors.tags).toContain('"error" needs a value');
  });

  it("wants the maximum duration at least the minimum", () => {
    expect(queryFromForm(makeForm({ minDuration: "2s", maxDuration: "100ms" }))).toEqual({ ok: false, errors: { maxDuration: "must be at least the minimum duration" } });
  });

  it("turns a custom range into µs and wants the end after the start", () => {
    const ok = queryFromForm(makeForm({ lookback: "custom" }));
    expect(ok).toMatchObject({ ok: true, query: { start: new Date(2026, 10, 24, 9).getTime() * 1000, end: new Date(2026, 10, 24, 10).getTime() * 1000 } });
    expect(queryFromForm(makeForm({ lookback: "custom", start: "2026-11-24T11:00" }))).toEqual({ ok: false, errors: { end: "must be after the start" } });
  });

  it("fills a missing custom range with the last hour", () => {
    const now = new Date(2026, 10, 24, 12, 0).getTime() * 1000;
    expect(formFromQuery(makeQuery(), now)).toMatchObject({ start: "2026-11-24T11:00", end: "2026-11-24T12:00" });
  });
});

describe("apiParams", () => {
  const now = 1_800_000_000_000_000;

  it("sends a lookback as a start/end window ending now, tags as JSON", () => {
    const params = apiParams(makeQuery({ operation: "HTTP GET", tags: "error=true http.status_code=500", minDuration: "100ms", limit: 5 }), now);
    expect(Object.fromEntries(params)).toEqual({
      service: "frontend",
      operation: "HTTP GET",
      tags: '{"error":"true","http.status_code":"500"}',
      start: String(now - 3600e6),
      end: String(now),
      lookback: "1h",
      minDuration: "100ms",
      limit: "5",
    });
  });

  it("searches every service when none is picked, ignoring a stray operation", () => {
    const params = apiParams(makeQuery({ service: "", operation: "GET /" }), now);
    expect(params.has("service")).toBe(false);
    expect(params.has("operation")).toBe(false);
  });

  it("sends a custom range as it is, without a lookback", () => {
    const params = apiParams(makeQuery({ lookback: "custom", start: us(1), end: us(2) }), now);
    expect(Object.fromEntries(params)).toEqual({ service: "frontend", start: "1", end: "2", limit: "20" });
  });
});

describe("lookbackMicros", () => {
  it("reads minutes, hours and days", () => {
    expect([lookbackMicros("15m"), lookbackMicros("2h"), lookbackMicros("7d")]).toEqual([900e6, 7200e6, 604_800e6]);
    expect([lookbackMicros("0h"), lookbackMicros("1w"), lookbackMicros("custom")]).toEqual([null, null, null]);
  });
});

describe("AI filters", () => {
  it("round-trip through the URL and reach the API under the same names", () => {
    const query = makeQuery({ model: "gpt-4o-mini", agent: "eta-planner", minTokens: "5000", minCost: "0.05" });
    const url = writeQuery(query);
    expect(url.toString()).toBe("service=frontend&model=gpt-4o-mini&agent=eta-planner&minTokens=5000&minCost=0.05");
    expect(readQuery(url)).toEqual(query);
    const params = apiParams(query, 1_800_000_000_000_000);
    expect([params.get("model"), params.get("agent"), params.get("minTokens"), params.get("minCost")]).toEqual(["gpt-4o-mini", "eta-planner", "5000", "0.05"]);
    expect(apiParams(makeQuery(), 1_800_000_000_000_000).has("model")).toBe(false);
  });

  it("refuses tokens and dollars that are not amounts, beside their inputs", () => {
    const result = queryFromForm(makeForm({ minTokens: "1.5k", minCost: "$1" }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(["minCost", "minTokens"]);
    expect(queryFromForm(makeForm({ minTokens: " 100 ", minCost: ".5" }))).toMatchObject({ ok: true, query: { minTokens: "100", minCost: ".5" } });
  });
});
