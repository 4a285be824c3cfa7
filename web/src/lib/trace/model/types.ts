/**
 * The trace view's own model: one Jaeger trace (or OTLP spans converted to one) turned into the
 * shape the timeline, the detail panel, the statistics and the diff all read.
 *
 * Spans live in one array in *timeline order* — depth-first, children by start time — so a span's
 * whole subtree is the contiguous run `index … index + subtreeSize − 1`. Collapsing, filtering and
 * "skip this subtree" are then index arithmetic, not tree walks, which is what keeps a 10,000-span
 * trace cheap to re-layout on every keystroke.
 */
import type { JaegerKeyValue, JaegerLog, JaegerReference, JaegerSpan, JaegerTrace } from "../../../../../worker/jaeger/v1-types";
import type { Micros } from "../../../../../worker/model/time";

export type { Micros };

/** OTLP span kinds as Jaeger's `span.kind` tag spells them; "" when the span has none. */
export type SpanKindName = "server" | "client" | "producer" | "consumer" | "internal" | "";

export type StatusName = "OK" | "ERROR" | "UNSET";

export interface ViewSpan {
  /** Position in `ViewTrace.spans` (timeline order). */
  readonly index: number;
  readonly spanId: string;
  readonly traceId: string;
  readonly operation: string;
  readonly service: string;
  /** Index into `ViewTrace.services`: a stable colour per service. */
  readonly serviceIndex: number;
  readonly kind: SpanKindName;
  /** Absolute start, µs since the epoch. */
  readonly start: Micros;
  readonly duration: Micros;
  readonly end: Micros;
  /** Start relative to the trace's start. */
  readonly offset: Micros;
  readonly depth: number;
  /** Index of the parent span, or −1 for a root (including an orphan whose parent is missing). */
  readonly parent: number;
  /** The parent span id the span names, even if that span is not in the trace ("" for none). */
  readonly parentSpanId: string;
  /** How the span hangs off its parent: async FOLLOWS_FROM children are left off the critical path. */
  readonly parentRefType: JaegerReference["refType"] | null;
  /** The span names a parent that is not in the trace. */
  readonly orphan: boolean;
  /** Child indexes, by start time. */
  readonly children: readonly number[];
  /** Spans in this subtree, itself included. */
  readonly subtreeSize: number;
  /** Duration not covered by any child (children clipped to this span). */
  readonly selfTime: Micros;
  readonly error: boolean;
  readonly status: StatusName;
  readonly statusMessage: string;
  readonly scopeName: string;
  readonly scopeVersion: string;
  /** Span tags without the ones shown as fields above (kind, status, scope). */
  readonly tags: readonly JaegerKeyValue[];
  readonly processTags: readonly JaegerKeyValue[];
  readonly logs: readonly JaegerLog[];
  readonly references: readonly JaegerReference[];
  readonly warnings: readonly string[];
  /** The span exactly as received. */
  readonly source: JaegerSpan;
}

export interface ServiceSummary {
  readonly name: string;
  readonly index: number;
  readonly spanCount: number;
  readonly errorCount: number;
}

export interface ViewTrace {
  readonly traceId: string;
  /** Timeline order: depth-first, children by start time. */
  readonly spans: readonly ViewSpan[];
  /** Root indexes by start time; true roots first, orphans after. */
  readonly roots: readonly number[];
  readonly byId: ReadonlyMap<string, number>;
  readonly start: Micros;
  readonly end: Micros;
  readonly duration: Micros;
  /** By span count, most first; `ViewSpan.serviceIndex` points here. */
  readonly services: readonly ServiceSummary[];
  /** Deepest span's depth (roots are depth 0). */
  readonly maxDepth: number;
  readonly errorCount: number;
  readonly orphanCount: number;
  /** The trace's own warnings plus what normalising found (missing parents, duplicate ids, cycles). */
  readonly warnings: readonly string[];
  /** The trace exactly as received, for export. */
  readonly source: JaegerTrace;
}
