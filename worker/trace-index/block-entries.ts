/**
 * How a block's search entries (search-entry.ts) are stored in its search and terms sections
 * (block-format.ts), compactly — a reader caches decoded blocks — and built a trace at a time:
 *
 * - `operations`: JSON `[[service, name, kind], …]`, each operation of the block once.
 * - `search`: JSON, one array per trace in block order (the order of `trace_index`):
 *   `[startUs, durationUs, spanCount, exact, op, minUs, maxUs, op, minUs, maxUs, …]`, `op` as in
 *   IndexedTrace.ops.
 * - `terms`: JSON `{"resources": [[term, …], …], "traces": [["k:bits", resource, …], …]}` — each
 *   distinct resource's terms once, and per trace its bloom filter and its resources. Only tag
 *   searches read it; null when the block was indexed without its spans.
 * - `blockFilter`: one filter of all the block's terms, which the shard's manifest tests in SQL
 *   (bloom.ts).
 */
import { micros } from "../model/time";
import { buildBloom, buildSqlFilter, MAX_BLOCK_FILTER_BYTES, parseBloom, serializeBloom } from "./bloom";
import type { IndexedBlock, IndexedTrace, OperationRef, TraceDigest } from "./search-entry";

export interface EncodedBlock {
  operations: string;
  search: string;
  terms: string | null;
  /** Every term of the block, as a filter D1 can test (bloom.ts); null without terms. */
  blockFilter: Uint8Array | null;
}

/**
 * Characters one block's search rows may take at the least; larger (compacted) blocks get as much
 * per trace as a block of 2,000 traces. It bounds the memory a block's decoded index takes in a
 * reader's cache.
 */
export const SEARCH_BUDGET = 700_000;
const budgetFor = (base: number, traces: number) => Math.max(base, Math.ceil((base * traces) / 2_000));
/**
 * A trace's filter is at most this many characters (3,072 bits: 16 bits for each of 192 distinct
 * terms; HotROD traces have 60–180). Fixed, not shared out of a block budget, so each trace's entry
 * can be built the moment it is added.
 */
export const TRACE_BLOOM_CHARS = 512;

type StoredOperation = [service: string, name: string, kind: number];
interface StoredTerms {
  resources: number[][];
  traces: Array<[string, ...number[]]>;
}

/**
 * Builds a block's entries a trace at a time, so the work spreads over a flush or compaction that
 * yields between traces, and what is left for `finish()` is joining strings and one filter.
 */
export class BlockEntriesBuilder {
  private readonly operations: StoredOperation[] = [];
  private readonly operationIndex = new Map<string, number>();
  private readonly rows: number[][] = [];
  private readonly traceTerms: Array<[string, ...number[]]> = [];
  private readonly resources: number[][] = [];
  private readonly resourceIndex = new Map<string, number>();
  private readonly byArray = new Map<Uint32Array, number>();
  /** Every distinct term of the block, for its filter; null once a trace's terms are unknown. */
  private distinct: Set<number> | null = new Set();
  private anyTerms = false;

  add(digest: TraceDigest): void {
    const row: number[] = [digest.startUs, digest.durationUs, digest.spanCount, digest.exact ? 1 : 0];
    for (const op of digest.operations) {
      const key = `${op.service}\t${op.name}\t${op.kind}`;
      let at = this.operationIndex.get(key);
      if (at === undefined) {
        at = this.operations.push([op.service, op.name, op.kind]) - 1;
        this.operationIndex.set(key, at);
      }
      row.push(op.errors ? -(at + 1) : at, op.minSpanUs, op.maxSpanUs);
    }
    this.rows.push(row);

    if (digest.spanTerms === null) {
      // Unknown terms: this trace must never be ruled out, so the block's filter cannot exist.
      this.distinct = null;
      this.traceTerms.push([""]);
      return;
    }
    this.anyTerms = true;
    const refs = digest.resourceTerms.map((terms) => this.resourceRef(terms));
    if (this.distinct) for (const term of digest.spanTerms) this.distinct.add(term);
    this.traceTerms.push([bloomOf(digest.spanTerms), ...new Set(refs)]);
  }

  /** Each distinct resource's terms once: usually the very array another trace had (digest.ts). */
  private resourceRef(terms: Uint32Array): number {
    let at = this.byArray.get(terms);
    if (at !== undefined) return at;
    const sorted = [...terms].sort((a, b) => a - b);
    const key = sorted.join(",");
    at = this.resourceIndex.get(key);
    if (at === undefined) {
      at = this.resources.push(sorted) - 1;
      this.resourceIndex.set(key, at);
      if (this.distinct) for (const term of sorted) this.distinct.add(term);
    }
    this.byArray.set(terms, at);
    return at;
  }

  finish(): EncodedBlock {
    trimRows(this.rows, budgetFor(SEARCH_BUDGET, this.rows.length));
    const stored: StoredTerms = { resources: this.resources, traces: this.traceTerms };
    return {
      operations: JSON.stringify(this.operations),
      search: JSON.stringify(this.rows),
      terms: this.anyTerms ? JSON.stringify(stored) : null,
      blockFilter: this.distinct && this.anyTerms ? buildSqlFilter([...this.distinct], this.distinct.size, MAX_BLOCK_FILTER_BYTES) : null,
    };
  }
}

/**
 * A trace's filter, serialised, remembered by its terms array: the index of the traces still open
 * in a shard is rebuilt for every search, mostly from digests that have not changed.
 */
const blooms = new WeakMap<Uint32Array, string>();

function bloomOf(terms: Uint32Array): string {
  let bloom = blooms.get(terms);
  if (bloom === undefined) blooms.set(terms, (bloom = serializeBloom(buildBloom(terms, TRACE_BLOOM_CHARS))));
  return bloom;
}

export function encodeBlockEntries(digests: TraceDigest[]): EncodedBlock {
  const builder = new BlockEntriesBuilder();
  for (const digest of digests) builder.add(digest);
  return builder.finish();
}

/**
 * Keeps the rows within the search budget by dropping the operation lists of the traces with the most
 * operations first: they become inexact, so searches read them rather than rule them out.
 */
function trimRows(rows: number[][], budget: number): void {
  const size = (row: number[]) => row.reduce((n, v) => n + String(v).length + 1, 2);
  let total = rows.reduce((n, row) => n + size(row), 0);
  if (total <= budget) return;
  for (const row of [...rows].sort((a, b) => b.length - a.length)) {
    if (total <= budget) break;
    const before = size(row);
    row.length = 4;
    row[3] = 0;
    total -= before - size(row);
  }
}

/**
 * A trace's record in a block's trace index: 32 hex id, then 8 hex digits each for its frame's
 * offset and length in the block and its own bytes' offset and length in the decoded frame.
 */
export const RECORD = 64;

const hex8 = (n: number) => n.toString(16).padStart(8, "0");

export function traceIndexRecord(traceId: string, place: { at: number; length: number; innerAt: number; innerLength: number }): string {
  return `${traceId}${hex8(place.at)}${hex8(place.length)}${hex8(place.innerAt)}${hex8(place.innerLength)}`;
}

/** The place a trace index record gives. */
export function recordPlace(traceIndex: string, at: number): { traceId: string; at: number; length: number; innerAt: number; innerLength: number } {
  return {
    traceId: traceIndex.slice(at, at + 32),
    at: parseInt(traceIndex.slice(at + 32, at + 40), 16),
    length: parseInt(traceIndex.slice(at + 40, at + 48), 16),
    innerAt: parseInt(traceIndex.slice(at + 48, at + 56), 16),
    innerLength: parseInt(traceIndex.slice(at + 56, at + 64), 16),
  };
}

/** A stored block's index, ready to search; `terms` null leaves the filters unloaded. */
export function decodeBlockEntries(traceIndex: string, operationsJson: string, searchJson: string, termsJson: string | null, hasTerms: boolean): IndexedBlock {
  const operations = (JSON.parse(operationsJson) as StoredOperation[]).map(
    ([service, name, kind]): OperationRef => ({ service, name, kind: kind as OperationRef["kind"] }),
  );
  const rows = JSON.parse(searchJson) as number[][];
  const traces = rows.map((row, i): IndexedTrace => {
    const place = recordPlace(traceIndex, i * RECORD);
    return {
      traceId: place.traceId,
      startUs: micros(row[0] as number),
      durationUs: micros(row[1] as number),
      spanCount: row[2] as number,
      exact: row[3] === 1,
      // The row's tail is the triples: keep the parsed array, minus its head, rather than copy it into objects.
      ops: row.slice(4),
      bloom: null,
      resources: [],
      place: { at: place.at, length: place.length, innerAt: place.innerAt, innerLength: place.innerLength },
    };
  });
  const block: IndexedBlock = { operations, resources: [], traces, termsLoaded: false, hasTerms };
  if (termsJson !== null) attachTerms(block, termsJson);
  return block;
}

/** Adds the filters and resource terms, loaded later than the rest (only tag searches need them). */
export function attachTerms(block: IndexedBlock, termsJson: string | null): void {
  block.termsLoaded = true;
  if (termsJson === null) return;
  const stored = JSON.parse(termsJson) as StoredTerms;
  block.resources = stored.resources.map((terms) => new Set(terms));
  stored.traces.forEach(([bloom, ...resources], i) => {
    const trace = block.traces[i];
    if (!trace) return;
    trace.bloom = bloom ? parseBloom(bloom) : null;
    trace.resources = resources;
  });
}
