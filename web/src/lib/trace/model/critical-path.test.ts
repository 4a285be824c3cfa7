import { describe, expect, it } from "vitest";
import { criticalPath, criticalTimeBySpan, segmentsBySpan } from "$model/critical-path";
import { normalizeTrace } from "./normalize";
import { makeTrace, BASE, type SpanSpec } from "./testing/builders";

/** Segments as "id start-end" relative to BASE. */
function path(specs: SpanSpec[]): string[] {
  const trace = normalizeTrace(makeTrace(specs));
  return criticalPath(trace).map((s) => `${trace.spans[s.span]?.spanId} ${s.start - BASE}-${s.end - BASE}`);
}

describe("criticalPath", () => {
  /**
   *   0    10   20   30   40   50   60   70   80   90   100
   *   root ───────────────────────────────────────────────   [0, 100]
   *     A   ──────────────                                   [10, 40]
   *     B             ────────────────────                   [30, 70]  finishes after A
   *       C                ────────                          [40, 55]
   *     D                                   ───────          [75, 90]
   */
  it("descends into the last-finishing child and returns at its start", () => {
    expect(
      path([
        { id: "root", start: 0, duration: 100 },
        { id: "A", parent: "root", start: 10, duration: 30 },
        { id: "B", parent: "root", start: 30, duration: 40 },
        { id: "C", parent: "B", start: 40, duration: 15 },
        { id: "D", parent: "root", start: 75, duration: 15 },
      ]),
    ).toEqual(["root 0-30", "B 30-40", "C 40-55", "B 55-70", "root 70-75", "D 75-90", "root 90-100"]);
  });

  /**
   *   P ──────────────────────   [0, 30]
   *     A ──────                 [0, 10]
   *           B ──────           [10, 20]  starts as A ends
   *                 C ──────     [20, 30]
   */
  it("follows back-to-back sequential calls rather than crediting the parent", () => {
    expect(
      path([
        { id: "P", start: 0, duration: 30 },
        { id: "A", parent: "P", start: 0, duration: 10 },
        { id: "B", parent: "P", start: 10, duration: 10 },
        { id: "C", parent: "P", start: 20, duration: 10 },
      ]),
    ).toEqual(["A 0-10", "B 10-20", "C 20-30"]);
  });

  /**
   *   P ───────────────        [0, 50]
   *     A          ─────────   [40, 70]  outlives P: clipped to [40, 50]
   *     Z                  ─── [60, 80]  wholly after P: ignored
   */
  it("clips children to their parent and ignores those wholly outside it", () => {
    expect(
      path([
        { id: "P", start: 0, duration: 50 },
        { id: "A", parent: "P", start: 40, duration: 30 },
        { id: "Z", parent: "P", start: 60, duration: 20 },
      ]),
    ).toEqual(["P 0-40", "A 40-50"]);
  });

  /**
   *   P ───────────────   [0, 50]
   *     F   ─────────     [10, 40]  FOLLOWS_FROM: async, not waited for
   *       G   ───         [15, 25]
   */
  it("leaves FOLLOWS_FROM children and their subtrees off the path", () => {
    expect(
      path([
        { id: "P", start: 0, duration: 50 },
        { id: "F", parent: "P", refType: "FOLLOWS_FROM", start: 10, duration: 30 },
        { id: "G", parent: "F", start: 15, duration: 10 },
      ]),
    ).toEqual(["P 0-50"]);
  });

  it("terminates on zero-length spans and gives them no segments", () => {
    expect(
      path([
        { id: "P", start: 0, duration: 10 },
        { id: "Z1", parent: "P", start: 5, duration: 0 },
        { id: "Z2", parent: "P", start: 5, duration: 0 },
        { id: "Z3", parent: "P", start: 10, duration: 0 },
      ]),
    ).toEqual(["P 0-10"]);
  });

  it("walks each root's tree when the trace has several roots", () => {
    expect(
      path([
        { id: "r1", start: 0, duration: 10 },
        { id: "a", parent: "r1", start: 2, duration: 8 },
        { id: "orphan", parent: "missing", start: 20, duration: 5 },
      ]),
    ).toEqual(["r1 0-2", "a 2-10", "orphan 20-25"]);
  });

  it("covers exactly each root's duration, without overlaps, on random trees", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const specs: SpanSpec[] = [{ id: "s0", start: 0, duration: 1_000 }];
      for (let i = 1; i < 60; i++) {
        const parent = specs[Math.floor(random() * specs.length)] as SpanSpec;
        // Mostly inside the parent, sometimes overflowing it (skew).
        const start = (parent.start ?? 0) + Math.floor(random() * ((parent.duration ?? 0) + 20)) - 10;
        specs.push({ id: `s${i}`, parent: parent.id, start, duration: Math.floor(random() * (parent.duration ?? 1)) });
      }
      const trace = normalizeTrace(makeTrace(specs));
      const segments = criticalPath(trace);
      let total = 0;
      for (let i = 0; i < segments.length; i++) {
        const s = segments[i];
        if (!s) continue;
        total += s.end - s.start;
        if (i > 0) expect(s.start).toBeGreaterThanOrEqual(segments[i - 1]?.end ?? 0);
      }
      expect(total).toBe(1_000);
    }
  });

  it("handles a chain 20,000 spans deep", () => {
    const specs = Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, parent: i ? `s${i - 1}` : undefined, start: i, duration: 40_000 - 2 * i }));
    const segments = criticalPath(normalizeTrace(makeTrace(specs)));
    expect(segments.reduce((t, s) => t + s.end - s.start, 0)).toBe(40_000);
  });
});

describe("segment groupings", () => {
  it("groups segments by span and sums each span's time on the path", () => {
    const trace = normalizeTrace(
      makeTrace([
        { id: "P", start: 0, duration: 30 },
        { id: "A", parent: "P", start: 10, duration: 10 },
      ]),
    );
    const segments = criticalPath(trace);
    expect(segmentsBySpan(segments).get(0)?.length).toBe(2);
    expect(criticalTimeBySpan(segments).get(0)).toBe(20);
    expect(criticalTimeBySpan(segments).get(1)).toBe(10);
  });
});
