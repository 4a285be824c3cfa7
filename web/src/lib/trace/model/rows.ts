/**
 * The timeline's rows: which spans show given the collapsed spans and an optional filter, the
 * collapse operations, and which rows a scrolled viewport needs in the DOM.
 *
 * Everything leans on timeline order (see types.ts): a subtree is a contiguous index range, so a
 * collapsed span's descendants are skipped with `i += subtreeSize`, and rows come out sorted, so
 * "which row shows span i" is a binary search.
 */
import type { ViewTrace } from "./types";

/** Collapsed span indexes. Treated as immutable: operations return a new set (Svelte sees the change). */
export type Collapsed = ReadonlySet<number>;

/**
 * Span indexes to show, in order. With a `filter`, only matching spans and their ancestors show
 * (the tree stays readable); collapsing still hides descendants.
 */
export function visibleRows(trace: ViewTrace, collapsed: Collapsed, filter?: ReadonlySet<number> | null): Int32Array {
  const spans = trace.spans;
  const n = spans.length;
  let keep: Uint8Array | null = null;
  if (filter) {
    keep = new Uint8Array(n);
    // Children come after parents, so one backwards pass marks every ancestor of a match.
    for (let i = n - 1; i >= 0; i--) {
      if (filter.has(i)) keep[i] = 1;
      if (keep[i]) {
        const parent = spans[i]?.parent ?? -1;
        if (parent >= 0) keep[parent] = 1;
      }
    }
  }
  const rows = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; ) {
    const size = spans[i]?.subtreeSize ?? 1;
    // An unkept span has no match below it either: skip its whole subtree.
    if (keep && !keep[i]) {
      i += size;
      continue;
    }
    rows[count++] = i;
    i += collapsed.has(i) ? size : 1;
  }
  return rows.subarray(0, count);
}

/** The row showing span `index`, or −1 if it is hidden. */
export function rowOf(rows: Int32Array, index: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = rows[mid] as number;
    if (value === index) return mid;
    if (value < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function hasChildren(trace: ViewTrace, index: number): boolean {
  return (trace.spans[index]?.children.length ?? 0) > 0;
}

export function toggle(collapsed: Collapsed, index: number): Collapsed {
  const next = new Set(collapsed);
  if (!next.delete(index)) next.add(index);
  return next;
}

/** Collapses every span with children: only the roots stay visible. */
export function collapseAll(trace: ViewTrace): Collapsed {
  const next = new Set<number>();
  for (const span of trace.spans) if (span.children.length) next.add(span.index);
  return next;
}

/** Collapses every span at `depth` or deeper: rows down to `depth` show. */
export function collapseToDepth(trace: ViewTrace, depth: number): Collapsed {
  const next = new Set<number>();
  for (const span of trace.spans) if (span.children.length && span.depth >= depth) next.add(span.index);
  return next;
}

/** Expands the ancestors of `index` so its row shows; returns the same set if nothing changes. */
export function reveal(trace: ViewTrace, collapsed: Collapsed, index: number): Collapsed {
  let next: Set<number> | null = null;
  for (let p = trace.spans[index]?.parent ?? -1; p >= 0; p = trace.spans[p]?.parent ?? -1) {
    if (collapsed.has(p)) {
      next ??= new Set(collapsed);
      next.delete(p);
    }
  }
  return next ?? collapsed;
}

/** How many spans a collapsed row hides. */
export function hiddenBelow(trace: ViewTrace, index: number): number {
  return (trace.spans[index]?.subtreeSize ?? 1) - 1;
}

export interface RowWindow {
  /** First row to render (inclusive). */
  first: number;
  /** Row after the last one to render. */
  end: number;
}

/**
 * Rows a viewport needs in the DOM: those it shows plus `overscan` either side, so a fast scroll
 * paints real rows before the next frame lays out new ones.
 */
export function rowWindow(options: { rowCount: number; rowHeight: number; scrollTop: number; viewportHeight: number; overscan?: number }): RowWindow {
  const { rowCount, rowHeight, scrollTop, viewportHeight } = options;
  const overscan = options.overscan ?? 8;
  if (rowCount === 0 || rowHeight <= 0) return { first: 0, end: 0 };
  const top = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const bottom = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  const first = Math.min(rowCount, Math.max(0, top - overscan));
  return { first, end: Math.min(rowCount, Math.max(first, bottom + overscan)) };
}

/** The scrollTop that brings `row` into view, or `scrollTop` if it already shows in full. */
export function scrollToRow(row: number, rowHeight: number, scrollTop: number, viewportHeight: number): number {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return Math.max(0, top + rowHeight - viewportHeight);
  return scrollTop;
}
