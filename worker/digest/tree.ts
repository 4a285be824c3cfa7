/**
 * A stored trace as the digest reads it: spans in one array with parent and child indexes, times
 * in µs, each span's service and self time. Built from the shared span model (`Trace`), already
 * adjusted (clock skew, shared ids) by the caller, and handed to the shared critical-path walk.
 *
 * Parents are the span's `parentSpanId` when that span is in the trace; a span whose parent never
 * arrived roots its own subtree (an orphan), as in the trace view.
 */
import { plainValue } from "../model/any-value";
import type { PathSpan, PathTrace } from "../model/critical-path";
import { serviceNameOf, SpanKind, StatusCode, type KeyValue, type Span, type SpanEvent, type Trace } from "../model/span";
import { durationMicros, micros, nanosToMicros, type Micros } from "../model/time";

export type KindName = "server" | "client" | "producer" | "consumer" | "internal" | "";

const KIND_NAMES: Record<number, KindName> = {
  [SpanKind.SERVER]: "server",
  [SpanKind.CLIENT]: "client",
  [SpanKind.PRODUCER]: "producer",
  [SpanKind.CONSUMER]: "consumer",
  [SpanKind.INTERNAL]: "internal",
};

export interface TreeSpan extends PathSpan {
  readonly index: number;
  readonly spanId: string;
  readonly name: string;
  readonly service: string;
  readonly kind: KindName;
  readonly start: Micros;
  readonly end: Micros;
  readonly duration: Micros;
  /** −1 for a root or an orphan. */
  readonly parent: number;
  readonly orphan: boolean;
  /** By start time. */
  readonly children: readonly number[];
  /** Duration not covered by any child (children clipped to this span). */
  readonly selfTime: Micros;
  readonly error: boolean;
  readonly statusMessage: string;
  readonly source: Span;
}

export interface DigestTree extends PathTrace {
  readonly traceId: string;
  readonly spans: readonly TreeSpan[];
  /** True roots first, then orphans, each by start time. */
  readonly roots: readonly number[];
  readonly start: Micros;
  readonly end: Micros;
}

export function buildTree(trace: Trace): DigestTree {
  const byId = new Map<string, number>();
  trace.spans.forEach((span, i) => {
    if (!byId.has(span.spanId)) byId.set(span.spanId, i);
  });
  const children: number[][] = trace.spans.map(() => []);
  const parents = trace.spans.map((span, i) => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return parent === undefined || parent === i ? -1 : parent;
  });
  // A reference cycle would make every span in it somebody's child and none a root: break it at
  // the first span found in it, so every span is reachable from some root.
  breakCycles(parents);
  parents.forEach((parent, i) => {
    if (parent >= 0) children[parent]?.push(i);
  });
  const starts = trace.spans.map((span) => nanosToMicros(span.startTimeUnixNano));
  const byStart = (a: number, b: number) => (starts[a] as number) - (starts[b] as number) || a - b;
  for (const list of children) list.sort(byStart);

  const spans: TreeSpan[] = trace.spans.map((span, index) => {
    const start = starts[index] as Micros;
    const duration = durationMicros(span.startTimeUnixNano, span.endTimeUnixNano);
    const end = micros(start + duration);
    const parent = parents[index] as number;
    return {
      index,
      spanId: span.spanId,
      name: span.name,
      service: serviceNameOf(trace.resources[span.resource]),
      kind: KIND_NAMES[span.kind] ?? "",
      start,
      end,
      duration,
      parent,
      orphan: parent < 0 && span.parentSpanId !== "",
      children: children[index] as number[],
      selfTime: micros(0),
      parentRefType: parent < 0 ? null : "CHILD_OF",
      error: span.status.code === StatusCode.ERROR,
      statusMessage: span.status.message ?? "",
      source: span,
    };
  });
  for (const span of spans) (span as { selfTime: Micros }).selfTime = selfTimeOf(span, spans);

  const roots = spans.filter((s) => s.parent < 0).sort((a, b) => Number(a.orphan) - Number(b.orphan) || byStart(a.index, b.index));
  let start = Infinity;
  let end = -Infinity;
  for (const span of spans) {
    start = Math.min(start, span.start);
    end = Math.max(end, span.end);
  }
  return {
    traceId: trace.traceId,
    spans,
    roots: roots.map((s) => s.index),
    start: micros(spans.length ? start : 0),
    end: micros(spans.length ? end : 0),
  };
}

function breakCycles(parents: number[]): void {
  const state = new Uint8Array(parents.length); // 0 unseen, 1 on the current walk, 2 done
  for (let i = 0; i < parents.length; i++) {
    const walk: number[] = [];
    let at = i;
    while (at >= 0 && state[at] === 0) {
      state[at] = 1;
      walk.push(at);
      at = parents[at] as number;
    }
    if (at >= 0 && state[at] === 1) parents[at] = -1;
    for (const w of walk) state[w] = 2;
  }
}

/** The span's duration minus the union of its children's intervals, clipped to the span. */
function selfTimeOf(span: TreeSpan, spans: readonly TreeSpan[]): Micros {
  let covered = 0;
  let reach: number = span.start;
  for (const c of span.children) {
    const child = spans[c] as TreeSpan;
    const s = Math.max(child.start, reach);
    const e = Math.min(child.end, span.end);
    if (e > s) {
      covered += e - s;
      reach = e;
    }
  }
  return micros(Math.max(0, span.duration - covered));
}

/** An attribute's value as text ("" when absent): what the digest prints and compares. */
export function attribute(attributes: readonly KeyValue[], key: string): string {
  const found = attributes.find((kv) => kv.key === key);
  if (!found) return "";
  const value = plainValue(found.value);
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The span's `exception` events, as OTel SDKs record them (`recordException`). */
export function exceptionEvents(span: Span): SpanEvent[] {
  return span.events.filter((event) => event.name === "exception");
}
