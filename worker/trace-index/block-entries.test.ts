import { describe, expect, it } from "vitest";
import type { TraceSummary } from "../model/summary";
import { micros } from "../model/time";
import { bloomHas } from "./bloom";
import { decodeBlockEntries, encodeBlockEntries, SEARCH_BUDGET, traceIndexRecord } from "./block-entries";
import { digestFromSummary, type TraceDigest } from "./search-entry";
import { termHash } from "./terms";

function digest(i: number, overrides: Partial<TraceDigest> = {}): TraceDigest {
  return {
    traceId: i.toString(16).padStart(32, "0"),
    startUs: micros(1_700_000_000_000_000 + i),
    durationUs: micros(1000 + i),
    spanCount: 3,
    operations: [
      { service: "api", name: "GET /", kind: 2, minSpanUs: micros(10), maxSpanUs: micros(900), errors: false },
      { service: "db", name: "SELECT", kind: 3, minSpanUs: micros(5), maxSpanUs: micros(5), errors: i % 2 === 0 },
    ],
    exact: true,
    spanTerms: Uint32Array.of(termHash("k", `v${i}`)),
    resourceTerms: [Uint32Array.of(termHash("service.name", "api")), Uint32Array.of(termHash("service.name", "db"))],
    ...overrides,
  };
}

const index = (digests: TraceDigest[]) => digests.map((d, i) => traceIndexRecord(d.traceId, { at: i * 100, length: 100, innerAt: 7, innerLength: 9 })).join("");

describe("a block's packed search entries", () => {
  it("round-trips times, operations, errors, filters and resources, sharing what traces share", () => {
    const digests = [digest(1), digest(2), digest(3)];
    const encoded = encodeBlockEntries(digests);
    expect(JSON.parse(encoded.operations)).toEqual([
      ["api", "GET /", 2],
      ["db", "SELECT", 3],
    ]);
    const block = decodeBlockEntries(index(digests), encoded.operations, encoded.search, encoded.terms, true);
    expect(block.resources).toHaveLength(2);
    const second = block.traces[1];
    expect(second).toMatchObject({ traceId: digests[1]?.traceId, startUs: digests[1]?.startUs, durationUs: 1002, spanCount: 3, exact: true, place: { at: 100, length: 100, innerAt: 7, innerLength: 9 }, resources: [0, 1] });
    // api op index 0, then db op failed → -(1 + 1).
    expect(second?.ops).toEqual([0, 10, 900, -2, 5, 5]);
    expect(bloomHas(second?.bloom ?? { bits: "", k: 0 }, termHash("k", "v2"))).toBe(true);
  });

  it("leaves filters unloaded until asked for", () => {
    const encoded = encodeBlockEntries([digest(1)]);
    const block = decodeBlockEntries(index([digest(1)]), encoded.operations, encoded.search, null, true);
    expect(block.termsLoaded).toBe(false);
    expect(block.traces[0]?.bloom).toBeNull();
  });

  it("indexes a trace known only by its summary as inexact, without a filter", () => {
    const summary: TraceSummary = {
      traceId: "f".repeat(32),
      startUs: micros(5),
      durationUs: micros(7),
      rootService: "api",
      rootOperation: "GET /",
      spanCount: 2,
      errorCount: 1,
      services: ["api"],
      operations: ["api\tGET /"],
    };
    const encoded = encodeBlockEntries([digestFromSummary(summary)]);
    expect(encoded.terms).toBeNull();
    const block = decodeBlockEntries(traceIndexRecord(summary.traceId, { at: 0, length: 1, innerAt: 0, innerLength: 0 }), encoded.operations, encoded.search, null, false);
    expect(block.traces[0]).toMatchObject({ exact: false, ops: [-1, 0, 7] });
    expect(block.operations[0]).toEqual({ service: "api", name: "GET /", kind: -1 });
  });

  it("drops the operation lists of the biggest traces first when a block would outgrow its row", () => {
    const many = Array.from({ length: 400 }, (_, n) => ({ service: "svc", name: `op-${n}`, kind: 1 as const, minSpanUs: micros(123_456), maxSpanUs: micros(654_321), errors: false }));
    const digests = Array.from({ length: 300 }, (_, i) => digest(i, i < 200 ? { operations: many } : {}));
    const encoded = encodeBlockEntries(digests);
    expect(encoded.search.length).toBeLessThanOrEqual(SEARCH_BUDGET);
    const block = decodeBlockEntries(index(digests), encoded.operations, encoded.search, null, true);
    expect(block.traces.filter((t) => !t.exact).length).toBeGreaterThan(0);
    expect(block.traces.slice(200).every((t) => t.exact)).toBe(true);
  });
});
