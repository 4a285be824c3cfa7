import { describe, expect, it } from "vitest";
import { normalizeTrace } from "./normalize";
import { collapseAll, collapseToDepth, hiddenBelow, reveal, rowOf, rowWindow, scrollToRow, toggle, visibleRows } from "./rows";
import { makeTrace } from "./testing/builders";

/**
 *   index  tree
 *   0      a
 *   1      ├ b
 *   2      │ ├ c
 *   3      │ └ d
 *   4      │   └ e
 *   5      └ f
 *   6        └ g
 */
const tree = () =>
  normalizeTrace(
    makeTrace([
      { id: "a", start: 0, duration: 100 },
      { id: "b", parent: "a", start: 1, duration: 50 },
      { id: "c", parent: "b", start: 2, duration: 10 },
      { id: "d", parent: "b", start: 20, duration: 10 },
      { id: "e", parent: "d", start: 21, duration: 5 },
      { id: "f", parent: "a", start: 60, duration: 30 },
      { id: "g", parent: "f", start: 61, duration: 5 },
    ]),
  );

const ids = (trace: ReturnType<typeof tree>, rows: Int32Array) => [...rows].map((i) => trace.spans[i]?.spanId).join("");

describe("visibleRows", () => {
  it("shows every span when nothing is collapsed", () => {
    const trace = tree();
    expect(ids(trace, visibleRows(trace, new Set()))).toBe("abcdefg");
  });

  it("hides the whole subtree of a collapsed span but not the span itself", () => {
    const trace = tree();
    expect(ids(trace, visibleRows(trace, new Set([1])))).toBe("abfg");
    expect(ids(trace, visibleRows(trace, new Set([3, 5])))).toBe("abcdf");
  });

  it("shows matches with their ancestors when filtered", () => {
    const trace = tree();
    expect(ids(trace, visibleRows(trace, new Set(), new Set([4])))).toBe("abde");
    expect(ids(trace, visibleRows(trace, new Set(), new Set([2, 6])))).toBe("abcfg");
  });

  it("keeps collapsing in force under a filter", () => {
    const trace = tree();
    expect(ids(trace, visibleRows(trace, new Set([1]), new Set([4, 6])))).toBe("abfg");
  });

  it("shows nothing for a filter that matches nothing", () => {
    const trace = tree();
    expect(visibleRows(trace, new Set(), new Set()).length).toBe(0);
  });

  it("lays out 10,000 rows, and hides exactly the subtrees collapsed", () => {
    const specs = Array.from({ length: 10_000 }, (_, i) => ({ id: `s${i}`, parent: i ? `s${Math.floor((i - 1) / 4)}` : undefined, start: i, duration: 10 }));
    const trace = normalizeTrace(makeTrace(specs));
    expect(visibleRows(trace, new Set())).toHaveLength(10_000);
    expect(visibleRows(trace, new Set([0]))).toHaveLength(1);
    // A 4-ary tree: s1's subtree is every span whose ancestor chain reaches index 1.
    const under = (i: number, root: number): boolean => i === root || (i > 0 && under(Math.floor((i - 1) / 4), root));
    const subtree = specs.filter((_, i) => under(i, 1)).length;
    const index = trace.spans.findIndex((s) => s.spanId === "s1");
    expect(index).toBeGreaterThan(0);
    expect(visibleRows(trace, new Set([index]))).toHaveLength(10_000 - subtree + 1);
  });
});

describe("collapse operations", () => {
  it("toggles a span in a new set", () => {
    const before = new Set<number>();
    const after = toggle(before, 3);
    expect([...after]).toEqual([3]);
    expect(before.size).toBe(0);
    expect([...toggle(after, 3)]).toEqual([]);
  });

  it("collapses every parent for collapse-all, leaving only roots visible", () => {
    const trace = tree();
    const collapsed = collapseAll(trace);
    expect([...collapsed].sort()).toEqual([0, 1, 3, 5]);
    expect(ids(trace, visibleRows(trace, collapsed))).toBe("a");
  });

  it("collapses from a depth down", () => {
    const trace = tree();
    expect(ids(trace, visibleRows(trace, collapseToDepth(trace, 1)))).toBe("abf");
  });

  it("reveals a span by expanding only its collapsed ancestors", () => {
    const trace = tree();
    const collapsed = new Set([0, 3, 5]);
    const revealed = reveal(trace, collapsed, 4);
    expect([...revealed].sort()).toEqual([5]);
    expect(reveal(trace, revealed, 4)).toBe(revealed);
  });

  it("counts the spans a collapsed row hides", () => {
    expect(hiddenBelow(tree(), 1)).toBe(3);
  });
});

describe("rowOf", () => {
  it("finds a span's row, or −1 when hidden", () => {
    const trace = tree();
    const rows = visibleRows(trace, new Set([1]));
    expect(rowOf(rows, 5)).toBe(2);
    expect(rowOf(rows, 2)).toBe(-1);
  });
});

describe("rowWindow", () => {
  it("renders the rows in view plus overscan", () => {
    expect(rowWindow({ rowCount: 10_000, rowHeight: 28, scrollTop: 2_800, viewportHeight: 560, overscan: 5 })).toEqual({ first: 95, end: 125 });
  });

  it("clamps at both ends", () => {
    expect(rowWindow({ rowCount: 12, rowHeight: 28, scrollTop: 0, viewportHeight: 560, overscan: 5 })).toEqual({ first: 0, end: 12 });
    expect(rowWindow({ rowCount: 12, rowHeight: 28, scrollTop: 99_999, viewportHeight: 560 })).toEqual({ first: 12, end: 12 });
    expect(rowWindow({ rowCount: 0, rowHeight: 28, scrollTop: 0, viewportHeight: 560 })).toEqual({ first: 0, end: 0 });
  });
});

describe("scrollToRow", () => {
  it("scrolls only as far as needed to show a row", () => {
    expect(scrollToRow(10, 20, 0, 100)).toBe(120);
    expect(scrollToRow(2, 20, 100, 100)).toBe(40);
    expect(scrollToRow(6, 20, 100, 100)).toBe(100);
  });
});
