/**
 * Comparing two traces of the same request: which spans were added, which went missing, which
 * changed duration.
 *
 * Spans are matched by their path from the root — the service + operation of each ancestor and of
 * the span — and, where siblings share a path (ten `GET /route` calls), by order of start: the
 * k-th such call in A is compared with the k-th in B. Span ids cannot be used (they differ in
 * every trace) and absolute times cannot either (the traces ran at different moments), while the
 * call structure is what stays the same between two runs of one endpoint.
 *
 * The result is one merged tree in display order (A's order, with B-only spans placed by their own
 * start), so the two traces can be shown side by side row for row.
 */
import { micros, type Micros } from "../../../../../worker/model/time";
import type { ViewSpan, ViewTrace } from "./types";

export type DiffStatus = "same" | "changed" | "added" | "missing";

export interface DiffRow {
  /** Path from the root with occurrence numbers: unique within the diff. */
  path: string;
  depth: number;
  service: string;
  operation: string;
  /** Span index in A, or −1 if the span is only in B. */
  a: number;
  /** Span index in B, or −1 if the span is only in A. */
  b: number;
  status: DiffStatus;
  durationA: Micros | null;
  durationB: Micros | null;
  /** B − A, when both exist. */
  delta: Micros | null;
  /** delta / A's duration, when both exist and A's is not zero. */
  ratio: number | null;
  /** Added or missing because its parent was: the parent's row already says so. */
  underChange: boolean;
}

export interface DiffOptions {
  /** A change smaller than this is noise. Default 1 ms. */
  minDelta?: number;
  /** …and so is one smaller than this part of A's duration. Default 0.1 (10 %). */
  minRatio?: number;
}

export interface TraceDiff {
  rows: DiffRow[];
  counts: Record<DiffStatus, number>;
  /** Rows that are themselves a change (not just below an added or missing parent). */
  changes: DiffRow[];
  durationDelta: Micros;
}

export const DEFAULT_DIFF_OPTIONS: Required<DiffOptions> = { minDelta: 1_000, minRatio: 0.1 };

interface Pending {
  a: number;
  b: number;
  depth: number;
  parentPath: string;
  key: string;
  occurrence: number;
  underChange: boolean;
}

export function diffTraces(traceA: ViewTrace, traceB: ViewTrace, options: DiffOptions = {}): TraceDiff {
  const { minDelta, minRatio } = { ...DEFAULT_DIFF_OPTIONS, ...options };
  const rows: DiffRow[] = [];
  const counts: Record<DiffStatus, number> = { same: 0, changed: 0, added: 0, missing: 0 };
  const changes: DiffRow[] = [];

  // Depth-first with an explicit stack (deep traces), pushing each level's entries in reverse.
  const stack: Pending[] = [];
  const pushLevel = (childrenA: readonly number[], childrenB: readonly number[], depth: number, parentPath: string, underChange: boolean) => {
    const level = pairUp(traceA, traceB, childrenA, childrenB);
    for (let i = level.length - 1; i >= 0; i--) {
      const entry = level[i] as Omit<Pending, "depth" | "parentPath" | "underChange">;
      stack.push({ ...entry, depth, parentPath, underChange });
    }
  };
  pushLevel(traceA.roots, traceB.roots, 0, "", false);

  while (stack.length) {
    const p = stack.pop() as Pending;
    const spanA = traceA.spans[p.a];
    const spanB = traceB.spans[p.b];
    const span = (spanA ?? spanB) as ViewSpan;
    const path = `${p.parentPath}/${p.key}#${p.occurrence}`;
    let status: DiffStatus;
    let delta: Micros | null = null;
    let ratio: number | null = null;
    if (spanA && spanB) {
      delta = micros(spanB.duration - spanA.duration);
      ratio = spanA.duration > 0 ? delta / spanA.duration : null;
      const big = Math.abs(delta) >= minDelta && (spanA.duration === 0 || Math.abs(delta) >= minRatio * spanA.duration);
      status = big ? "changed" : "same";
    } else status = spanA ? "missing" : "added";
    const row: DiffRow = {
      path,
      depth: p.depth,
      service: span.service,
      operation: span.operation,
      a: spanA ? p.a : -1,
      b: spanB ? p.b : -1,
      status,
      durationA: spanA?.duration ?? null,
      durationB: spanB?.duration ?? null,
      delta,
      ratio,
      underChange: p.underChange,
    };
    rows.push(row);
    counts[status]++;
    if (status !== "same" && !p.underChange) changes.push(row);
    const below = status === "added" || status === "missing";
    pushLevel(spanA?.children ?? [], spanB?.children ?? [], p.depth + 1, path, p.underChange || below);
  }
  return { rows, counts, changes, durationDelta: micros(traceB.duration - traceA.duration) };
}

const keyOf = (span: ViewSpan) => `${span.service}\u0000${span.operation}`;

/** Matches one level's children: same key, k-th with k-th by start; leftovers unmatched. */
function pairUp(traceA: ViewTrace, traceB: ViewTrace, childrenA: readonly number[], childrenB: readonly number[]) {
  const byKeyB = new Map<string, number[]>();
  for (const b of childrenB) {
    const key = keyOf(traceB.spans[b] as ViewSpan);
    const list = byKeyB.get(key);
    if (list) list.push(b);
    else byKeyB.set(key, [b]);
  }
  const seen = new Map<string, number>();
  const out: { a: number; b: number; key: string; occurrence: number; offset: number }[] = [];
  // Children arrive sorted by start already (timeline order), so occurrence k is the k-th by start.
  for (const a of childrenA) {
    const span = traceA.spans[a] as ViewSpan;
    const key = keyOf(span);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const b = byKeyB.get(key)?.[occurrence] ?? -1;
    out.push({ a, b, key, occurrence, offset: span.offset });
  }
  for (const [key, list] of byKeyB) {
    for (let occurrence = seen.get(key) ?? 0; occurrence < list.length; occurrence++) {
      const b = list[occurrence] as number;
      out.push({ a: -1, b, key, occurrence, offset: (traceB.spans[b] as ViewSpan).offset });
    }
  }
  // Stable: A's order stays, B-only spans slot in by their own start offset.
  return out.sort((x, y) => x.offset - y.offset);
}
