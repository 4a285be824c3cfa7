/**
 * The flamegraph: an icicle (root on top) of *aggregated self time*, with spans merged by their
 * service + operation path from the root.
 *
 * Why this and not a time-ordered flame chart (x = time, y = depth): the timeline and its mini-map
 * already show when things ran; drawing that again, only denser, adds nothing. Merging by path
 * answers the question the timeline cannot: "which call path accumulates the most work?" Ten
 * `GET /route` calls become one frame ten times as wide, an N+1 query loop stands out as one fat
 * frame instead of a hundred slivers, and a trace of 10,000 spans usually folds into a few hundred
 * frames that are cheap to draw.
 *
 * Why self time rather than duration: parallel children's durations can add up to more than their
 * parent's, which would make children wider than their parent. A frame's width is the self time of
 * every span in the merged subtree, so a parent is always exactly as wide as its own self time plus
 * its children — the nesting is honest, and widths add up to the trace's total work.
 */
import { micros, type Micros } from "../../../../../worker/model/time";
import type { ViewSpan, ViewTrace } from "./types";

export interface FlameFrame {
  id: number;
  /** Parent frame id, −1 at the top row. */
  parent: number;
  depth: number;
  service: string;
  serviceIndex: number;
  operation: string;
  /** Self time of every span merged into this frame and below it. */
  value: Micros;
  /** Self time of the spans merged into this frame. */
  self: Micros;
  /** Spans merged into this frame. */
  spans: number[];
  errors: number;
  children: number[];
  /** Horizontal extent as a fraction (0–1) of the whole graph. */
  x0: number;
  x1: number;
}

export interface Flamegraph {
  frames: FlameFrame[];
  /** Ids of the top-row frames. */
  roots: number[];
  total: Micros;
  maxDepth: number;
}

export function flamegraph(trace: ViewTrace): Flamegraph {
  const frames: FlameFrame[] = [];
  const frameOfSpan = new Int32Array(trace.spans.length).fill(-1);
  const childByKey = new Map<string, number>();
  const roots: number[] = [];
  const keyOf = (parent: number, span: ViewSpan) => `${parent}\u0000${span.service}\u0000${span.operation}`;

  // Timeline order visits parents before children, so each span's parent frame already exists.
  for (const span of trace.spans) {
    const parentFrame = span.parent >= 0 ? (frameOfSpan[span.parent] as number) : -1;
    const key = keyOf(parentFrame, span);
    let id = childByKey.get(key);
    if (id === undefined) {
      id = frames.length;
      frames.push({
        id,
        parent: parentFrame,
        depth: parentFrame >= 0 ? (frames[parentFrame] as FlameFrame).depth + 1 : 0,
        service: span.service,
        serviceIndex: span.serviceIndex,
        operation: span.operation,
        value: micros(0),
        self: micros(0),
        spans: [],
        errors: 0,
        children: [],
        x0: 0,
        x1: 0,
      });
      childByKey.set(key, id);
      if (parentFrame >= 0) frames[parentFrame]?.children.push(id);
      else roots.push(id);
    }
    const frame = frames[id] as FlameFrame;
    frame.spans.push(span.index);
    frame.self = micros(frame.self + span.selfTime);
    if (span.error) frame.errors++;
    frameOfSpan[span.index] = id;
  }

  // Children always have larger ids than their parents: sum values bottom-up in one pass.
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i] as FlameFrame;
    frame.value = micros(frame.value + frame.self);
    const parent = frames[frame.parent];
    if (parent) parent.value = micros(parent.value + frame.value);
  }

  const total = roots.reduce((sum, id) => sum + (frames[id] as FlameFrame).value, 0);
  const byValue = (a: number, b: number) => (frames[b] as FlameFrame).value - (frames[a] as FlameFrame).value || a - b;
  // Widest first: the biggest frames line up on the left edge, where the eye starts.
  const place = (ids: number[], x0: number) => {
    ids.sort(byValue);
    let x = x0;
    for (const id of ids) {
      const frame = frames[id] as FlameFrame;
      const w = total > 0 ? frame.value / total : 0;
      frame.x0 = x;
      frame.x1 = x + w;
      x += w;
    }
  };
  place(roots, 0);
  let maxDepth = 0;
  for (const frame of frames) {
    // Parents come first, so their x0 is set before their children are placed.
    if (frame.children.length) place(frame.children, frame.x0);
    maxDepth = Math.max(maxDepth, frame.depth);
  }
  return { frames, roots, total: micros(total), maxDepth };
}

/** The frames wide enough to draw within the zoomed range `[from, to]` at `pixels` width. */
export function visibleFrames(graph: Flamegraph, from: number, to: number, pixels: number, minPixels = 1): FlameFrame[] {
  const scale = pixels / Math.max(1e-12, to - from);
  return graph.frames.filter((f) => f.x1 > from && f.x0 < to && (f.x1 - f.x0) * scale >= minPixels);
}

/** Frame ids from the top row down to `id`: the breadcrumb of a zoomed-in frame. */
export function framePath(graph: Flamegraph, id: number): number[] {
  const out: number[] = [];
  for (let f = id; f >= 0; f = graph.frames[f]?.parent ?? -1) out.unshift(f);
  return out;
}
