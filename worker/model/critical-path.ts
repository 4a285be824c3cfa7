/**
 * The critical path: the chain of work that decided when the trace finished, after Jaeger UI
 * (`TracePage/CriticalPath`). Walk backwards from a root's end: the child that finished last is
 * what the parent was waiting for, so the path descends into it; when a span has no child left
 * that finished before the moment being explained, that stretch is the span's own work, and the
 * walk returns to the parent at the child's start time.
 *
 * As in Jaeger: children are clipped to their parent's interval (clock skew, async children
 * outliving their parent), children wholly outside it are ignored, and FOLLOWS_FROM children —
 * fire-and-forget work the parent did not wait for — are left out with their subtrees.
 *
 * Two deliberate differences:
 * - A child that ended exactly when the returning child started (`end ≤ start`, where Jaeger has
 *   `end < start`) still counts. At µs resolution, back-to-back sequential calls are common, and
 *   Jaeger hands the gap between them to the parent, which then looks busy when it was waiting.
 * - The walk is a loop with an explicit stack, not recursion, so a very deep trace cannot overflow
 *   the call stack; each step either descends or moves strictly forward through a parent's
 *   children, so it always ends, even with zero-length spans.
 *
 * Every root gets its own path (orphans root their own trees when the real root is missing).
 *
 * It lives in the shared model because both the trace view (web/src/lib/trace/model) and the
 * Worker's LLM digest (worker/digest) walk it; each hands in its own span tree through the small
 * structural shape below, so neither has to build the other's model.
 */
import { micros, type Micros } from "./time";

/** What the walk needs of a span: its interval (µs), its children and how it hangs off its parent. */
export interface PathSpan {
  readonly start: number;
  readonly end: number;
  /** Child indexes into the same span array. */
  readonly children: readonly number[];
  /** FOLLOWS_FROM children (fire-and-forget work) are left off the path with their subtrees. */
  readonly parentRefType: "CHILD_OF" | "FOLLOWS_FROM" | null;
}

export interface PathTrace {
  readonly spans: readonly PathSpan[];
  /** Root indexes; each gets its own path, in this order. */
  readonly roots: readonly number[];
}

export interface CriticalSegment {
  span: number;
  start: Micros;
  end: Micros;
}

interface Frame {
  span: number;
  /** Included children, latest effective end first. */
  children: number[];
  /** Children before this position have been passed over. */
  next: number;
  /** The moment still to be explained: work before it is on the path. */
  until: number;
}

/** Segments of the critical path in time order, per root in root order. */
export function criticalPath(trace: PathTrace): CriticalSegment[] {
  const spans = trace.spans;
  // Effective (clipped) interval of each span reachable through CHILD_OF; NaN = not walked.
  const effStart = new Float64Array(spans.length).fill(NaN);
  const effEnd = new Float64Array(spans.length).fill(NaN);

  const childrenOf = (index: number): number[] => {
    const parent = spans[index] as PathSpan;
    const kids: number[] = [];
    for (const c of parent.children) {
      const child = spans[c] as PathSpan;
      if (child.parentRefType === "FOLLOWS_FROM") continue;
      const s = Math.max(child.start, effStart[index] as number);
      const e = Math.min(child.end, effEnd[index] as number);
      if (s > e) continue; // wholly outside its parent
      effStart[c] = s;
      effEnd[c] = e;
      kids.push(c);
    }
    return kids.sort((x, y) => (effEnd[y] as number) - (effEnd[x] as number) || x - y);
  };

  const all: CriticalSegment[] = [];
  for (const root of trace.roots) {
    const span = spans[root] as PathSpan;
    effStart[root] = span.start;
    effEnd[root] = span.end;
    const segments: CriticalSegment[] = [];
    const push = (index: number, start: number, end: number) => {
      if (end <= start) return;
      // A zero-length child splits nothing: join the span's stretches either side of it.
      const later = segments[segments.length - 1];
      if (later && later.span === index && later.start === end) later.start = micros(start);
      else segments.push({ span: index, start: micros(start), end: micros(end) });
    };
    const stack: Frame[] = [{ span: root, children: childrenOf(root), next: 0, until: span.end }];
    while (stack.length) {
      const frame = stack[stack.length - 1] as Frame;
      let j = frame.next;
      while (j < frame.children.length && (effEnd[frame.children[j] as number] as number) > frame.until) j++;
      if (j < frame.children.length) {
        const child = frame.children[j] as number;
        // From the child's end to the moment being explained, the span itself was busy.
        push(frame.span, effEnd[child] as number, frame.until);
        frame.next = j + 1;
        frame.until = effStart[child] as number;
        stack.push({ span: child, children: childrenOf(child), next: 0, until: effEnd[child] as number });
      } else {
        push(frame.span, effStart[frame.span] as number, frame.until);
        stack.pop();
      }
    }
    // Found walking backwards; hand them out in time order.
    all.push(...segments.reverse());
  }
  return all;
}

/** Segments grouped by span index, for drawing them on each span's bar. */
export function segmentsBySpan(segments: readonly CriticalSegment[]): Map<number, CriticalSegment[]> {
  const out = new Map<number, CriticalSegment[]>();
  for (const segment of segments) {
    const list = out.get(segment.span);
    if (list) list.push(segment);
    else out.set(segment.span, [segment]);
  }
  return out;
}

/** Time each span spends on the critical path, for "on the critical path: 42 ms" in the detail panel. */
export function criticalTimeBySpan(segments: readonly CriticalSegment[]): Map<number, Micros> {
  const out = new Map<number, Micros>();
  for (const s of segments) out.set(s.span, micros((out.get(s.span) ?? 0) + s.end - s.start));
  return out;
}
