/**
 * What search knows about a trace without reading its spans — made when a block is indexed and
 * for traces still being assembled:
 *
 * - when it ran (start, duration), its span count;
 * - each operation (service, name, kind) with its shortest and longest span and whether one failed;
 * - a bloom filter of its span-level terms, and the terms of its resources (see terms.ts).
 *
 * Enough to rule most traces out of a search — and, for searches without tags, to rule traces in —
 * without reading them from R2.
 */
import type { SpanKind } from "../model/span";
import type { TraceSummary } from "../model/summary";
import { micros, type Micros } from "../model/time";
import type { Bloom } from "./bloom";

export interface OperationRef {
  service: string;
  name: string;
  /** -1 when unknown (indexed from a summary alone). */
  kind: SpanKind | -1;
}

export interface OperationStats extends OperationRef {
  /** Shortest and longest span of this operation, µs (truncated). */
  minSpanUs: Micros;
  maxSpanUs: Micros;
  /** Whether any span of this operation has status ERROR. */
  errors: boolean;
}

/** One trace's facts as computed from its spans, before they are packed into a block. */
export interface TraceDigest {
  traceId: string;
  startUs: Micros;
  durationUs: Micros;
  spanCount: number;
  operations: OperationStats[];
  /**
   * False when the facts are only bounds: made from a summary without the spans. Then only the
   * time range may rule the trace out; everything else needs its spans.
   */
  exact: boolean;
  /** Distinct terms of its spans and scopes (null: unknown); and of each of its resources. */
  spanTerms: Uint32Array | null;
  resourceTerms: Uint32Array[];
}

/** A trace as search holds it, packed against its block's shared tables. */
export interface IndexedTrace {
  traceId: string;
  startUs: Micros;
  durationUs: Micros;
  spanCount: number;
  exact: boolean;
  /** Flat triples [operation, minSpanUs, maxSpanUs]: `operation` indexes the block's operations, as -(i + 1) when a span of it failed. */
  ops: number[];
  /** Null until loaded (tag searches load filters), or when the trace has none. */
  bloom: Bloom | null;
  /** Indexes into the block's resource term sets. */
  resources: number[];
  /** Where its bytes lie in the block object: its frame, and its bytes in the decoded frame (zeros for traces still open). */
  place: { at: number; length: number; innerAt: number; innerLength: number };
}

export interface IndexedBlock {
  operations: OperationRef[];
  /** Each distinct resource's terms (loaded with the filters). */
  resources: ReadonlySet<number>[];
  traces: IndexedTrace[];
  /** Whether `bloom`, `resources` are loaded. */
  termsLoaded: boolean;
  /** Whether the block has filters at all (indexed with its spans). */
  hasTerms: boolean;
}

/**
 * A digest from the summary the trace-assembly object computed, when the spans are not at hand:
 * time and operations are known; durations and errors only as the trace's bounds.
 */
export function digestFromSummary(summary: TraceSummary): TraceDigest {
  return {
    traceId: summary.traceId,
    startUs: summary.startUs,
    durationUs: summary.durationUs,
    spanCount: summary.spanCount,
    operations: summary.operations.map((pair) => {
      const tab = pair.indexOf("\t");
      return {
        service: pair.slice(0, tab),
        name: pair.slice(tab + 1),
        kind: -1,
        minSpanUs: micros(0),
        maxSpanUs: summary.durationUs,
        errors: summary.errorCount > 0,
      };
    }),
    exact: false,
    spanTerms: null,
    resourceTerms: [],
  };
}
