/**
 * The state of one open trace view, shared by its components (header, mini-map, timeline, detail
 * panel, statistics, flamegraph, graph). The trace and everything derived from it with 10,000 entries
 * (rows, matches, critical path) are `$state.raw` or `$derived` of typed arrays and plain objects:
 * deep proxies over 10,000 spans would cost more than the whole render.
 */
import { traceHues } from "../model/colors";
import { criticalPath, criticalTimeBySpan, segmentsBySpan } from "$model/critical-path";
import { findSpans, stepMatch } from "../model/find";
import { ancestorsOf } from "../model/normalize";
import { collapseAll, reveal, rowOf, toggle, visibleRows, type Collapsed } from "../model/rows";
import { clampWindow, FULL_WINDOW, panWindow, windowAround, zoomWindow, type TimeWindow } from "../model/time-window";
import type { ViewTrace } from "../model/types";

export type TraceTab = "timeline" | "statistics" | "flamegraph" | "graph" | "agent";

/** Above this many spans a trace opens partly collapsed: 10,000 open rows are a wall, not an overview. */
const AUTO_COLLAPSE_OVER = 2_000;
/** …showing as many whole levels as fit in about this many rows. */
const OPEN_ROW_BUDGET = 400;

export class TraceViewState {
  readonly trace: ViewTrace;
  readonly hues: number[];

  collapsed = $state.raw<Collapsed>(new Set());
  /** The focused and selected span (one concept: keyboard focus is selection). −1: none. */
  selected = $state(-1);
  detailOpen = $state(false);
  window = $state.raw<TimeWindow>(FULL_WINDOW);
  /** The applied find query (the input debounces into it). */
  query = $state("");
  /** Show only matching spans (and their ancestors) instead of highlighting them. */
  onlyMatches = $state(false);
  showCritical = $state(true);
  tab = $state<TraceTab>("timeline");
  helpOpen = $state(false);
  /** Bumped to ask the timeline to scroll `selected` into view. */
  scrollRequest = $state(0);
  /** The trace opened partly collapsed because it is big (the view says so once). */
  autoCollapsed = $state(false);

  matches = $derived.by(() => findSpans(this.trace, this.query));
  /** Per span: 1 if it matches the query. */
  matchMask = $derived.by(() => {
    const mask = new Uint8Array(this.trace.spans.length);
    if (this.matches) for (const m of this.matches) mask[m] = 1;
    return mask;
  });
  rows = $derived.by(() => visibleRows(this.trace, this.collapsed, this.onlyMatches && this.matches ? new Set(this.matches) : null));
  critical = $derived.by(() => criticalPath(this.trace));
  criticalBySpan = $derived.by(() => segmentsBySpan(this.critical));
  criticalTime = $derived.by(() => criticalTimeBySpan(this.critical));
  /** 1-based position of the selected span among the matches, 0 if it is not one. */
  matchPosition = $derived.by(() => {
    if (!this.matches || this.selected < 0) return 0;
    const i = this.matches.indexOf(this.selected);
    return i + 1;
  });

  constructor(trace: ViewTrace) {
    this.trace = trace;
    this.hues = traceHues(trace);
    if (trace.spans.length > AUTO_COLLAPSE_OVER) {
      const perDepth = new Array<number>(trace.maxDepth + 1).fill(0);
      for (const span of trace.spans) perDepth[span.depth] = (perDepth[span.depth] ?? 0) + 1;
      let levels = 0;
      for (let shown = 0; levels < perDepth.length && shown + (perDepth[levels] ?? 0) <= OPEN_ROW_BUDGET; levels++) shown += perDepth[levels] ?? 0;
      const depth = Math.max(1, levels - 1);
      this.collapsed = new Set(trace.spans.filter((s) => s.depth >= depth && s.children.length).map((s) => s.index));
      this.autoCollapsed = true;
    }
    this.selected = trace.roots[0] ?? -1;
  }

  hueOf(serviceIndex: number): number {
    return this.hues[serviceIndex] ?? 210;
  }

  /** Selects a span, expanding its ancestors so its row shows, and scrolls to it. */
  select(index: number, options: { openDetail?: boolean; scroll?: boolean } = {}): void {
    if (index < 0 || index >= this.trace.spans.length) return;
    const revealed = reveal(this.trace, this.collapsed, index);
    if (revealed !== this.collapsed) this.collapsed = revealed;
    this.selected = index;
    if (options.openDetail) this.detailOpen = true;
    if (options.scroll !== false) this.scrollRequest++;
  }

  toggle(index: number): void {
    if (!this.trace.spans[index]?.children.length) return;
    this.collapsed = toggle(this.collapsed, index);
  }

  collapseAll(): void {
    this.collapsed = collapseAll(this.trace);
    // The selection would vanish into a collapsed subtree: move it to its root.
    const root = [this.selected, ...ancestorsOf(this.trace, this.selected)].pop();
    if (root !== undefined && root >= 0) this.select(root);
  }

  expandAll(): void {
    this.collapsed = new Set();
    this.autoCollapsed = false;
    this.scrollRequest++;
  }

  /** Moves the selection `delta` visible rows. */
  move(delta: number): void {
    const rows = this.rows;
    if (!rows.length) return;
    const at = rowOf(rows, this.selected);
    const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + delta));
    this.select(rows[next] as number);
  }

  /** → : expand, or step to the first child. ← : collapse, or step to the parent. */
  right(): void {
    const span = this.trace.spans[this.selected];
    if (!span?.children.length) return;
    if (this.collapsed.has(span.index)) this.toggle(span.index);
    else this.select(span.children[0] as number);
  }

  left(): void {
    const span = this.trace.spans[this.selected];
    if (!span) return;
    if (span.children.length && !this.collapsed.has(span.index)) this.toggle(span.index);
    else if (span.parent >= 0) this.select(span.parent);
  }

  /** Next (1) or previous (−1) find match, wrapping. */
  step(direction: 1 | -1): void {
    if (!this.matches?.length) return;
    this.select(stepMatch(this.matches, this.selected, direction), { scroll: true });
  }

  setQuery(query: string): void {
    this.query = query;
    // Jump to the first match at or after the selection, so typing shows results at once.
    const matches = this.matches;
    if (matches?.length && !matches.includes(this.selected)) this.select(stepMatch(matches, this.selected - 1, 1));
  }

  zoom(factor: number, anchor = 0.5): void {
    this.window = zoomWindow(this.window, anchor, factor);
  }

  pan(delta: number): void {
    this.window = panWindow(this.window, delta);
  }

  setWindow(w: TimeWindow): void {
    this.window = clampWindow(w);
  }

  zoomToSelected(): void {
    const span = this.trace.spans[this.selected];
    if (span) this.window = windowAround(this.trace, span);
  }

  resetZoom(): void {
    this.window = FULL_WINDOW;
  }
}
