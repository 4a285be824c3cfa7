/**
 * How a block's search entries (search-entry.ts) are stored in its D1 row. Compact, because a
 * block holds up to 2,000 traces and a D1 row may not exceed 2 MB:
 *
 * - `operations`: JSON `[[service, name, kind], …]`, each operation of the block once; also what
 *   `/api/operations` lists straight from SQL.
 * - `search`: JSON, one array per trace in block order (the order of `trace_index`):
 *   `[startUs, durationUs, spanCount, exact, op, minUs, maxUs, op, minUs, maxUs, …]`, `op` as in
 *   IndexedTrace.ops.
 * - `terms`: JSON `{"resources": [[term, …], …], "traces": [["k:bits", resource, …], …]}` — each
 *   distinct resource's terms once, and per trace its bloom filter and its resources. Only tag
 *   searches read it; null when the block was indexed without its spans.
 * - `block_terms`: one filter of all the block's terms, tested in SQL (bloom.ts).
 */
import { micros } from "../model/time";
import { buildBloom, buildSqlFilter, MAX_BLOCK_FILTER_BYTES, MAX_BLOOM_CHARS, parseBloom, serializeBloom } from "./bloom";
import type { IndexedBlock, IndexedTrace, OperationRef, TraceDigest } from "./search-entry";

export interface EncodedBlock {
  operations: string;
  search: string;
  terms: string | null;
  /** Every term of the block, as a filter D1 can test (bloom.ts); null without terms. */
  blockFilter: Uint8Array | null;
}

/**
 * Characters one block's filters may take, and its search rows, at the least; larger (compacted)
 * blocks get as much per trace as a block of 2,000 traces. They bound the memory a block's decoded
 * index takes in a reader's cache.
 */
export const BLOOM_BUDGET = 600_000;
export const SEARCH_BUDGET = 700_000;
const budgetFor = (base: number, traces: number) => Math.max(base, Math.ceil((base * traces) / 2_000));

type StoredOperation = [service: string, name: string, kind: number];
interface StoredTerms {
  resources: number[][];
  traces: Array<[string, ...number[]]>;
}

export function encodeBlockEntries(digests: TraceDigest[]): EncodedBlock {
  const operations: StoredOperation[] = [];
  const operationIndex = new Map<string, number>();
  const rows = digests.map((digest) => {
    const row: number[] = [digest.startUs, digest.durationUs, digest.spanCount, digest.exact ? 1 : 0];
    for (const op of digest.operations) {
      const key = `${op.service}\t${op.name}\t${op.kind}`;
      let at = operationIndex.get(key);
      if (at === undefined) {
        at = operations.push([op.service, op.name, op.kind]) - 1;
        operationIndex.set(key, at);
      }
      row.push(op.errors ? -(at + 1) : at, op.minSpanUs, op.maxSpanUs);
    }
    return row;
  });
  trimRows(rows, budgetFor(SEARCH_BUDGET, digests.length));
  return { operations: JSON.stringify(operations), search: JSON.stringify(rows), terms: encodeTerms(digests), blockFilter: blockFilterOf(digests) };
}

/** The block's filter, or null when a trace's terms are unknown (it must not rule that trace out). */
function blockFilterOf(digests: TraceDigest[]): Uint8Array | null {
  const resources = new Set<Uint32Array>();
  let total = 0;
  for (const digest of digests) {
    if (digest.spanTerms === null) return null;
    total += digest.spanTerms.length;
    // Traces of one service share their resource's terms (protobuf-digest.ts hands out one array).
    for (const terms of digest.resourceTerms) resources.add(terms);
  }
  for (const terms of resources) total += terms.length;
  // One typed array, sorted natively, counts the distinct terms far faster than a Set of them.
  const all = new Uint32Array(total);
  let at = 0;
  for (const digest of digests) {
    all.set(digest.spanTerms as Uint32Array, at);
    at += (digest.spanTerms as Uint32Array).length;
  }
  for (const terms of resources) {
    all.set(terms, at);
    at += terms.length;
  }
  all.sort();
  let distinct = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) distinct++;
  return buildSqlFilter(all, distinct, MAX_BLOCK_FILTER_BYTES);
}

function encodeTerms(digests: TraceDigest[]): string | null {
  if (!digests.some((d) => d.spanTerms !== null)) return null;
  const resources: number[][] = [];
  const resourceIndex = new Map<string, number>();
  const byArray = new Map<Uint32Array, number>();
  const perTrace = Math.min(MAX_BLOOM_CHARS, Math.floor(budgetFor(BLOOM_BUDGET, digests.length) / Math.max(1, digests.length)));
  const traces = digests.map((digest): [string, ...number[]] => {
    if (digest.spanTerms === null) return [""];
    const refs = digest.resourceTerms.map((terms) => {
      // Usually the very array another trace had (see protobuf-digest.ts); else compare contents.
      let at = byArray.get(terms);
      if (at !== undefined) return at;
      const sorted = [...terms].sort((a, b) => a - b);
      const key = sorted.join(",");
      at = resourceIndex.get(key);
      if (at === undefined) {
        at = resources.push(sorted) - 1;
        resourceIndex.set(key, at);
      }
      byArray.set(terms, at);
      return at;
    });
    return [serializeBloom(buildBloom(digest.spanTerms, perTrace)), ...new Set(refs)];
  });
  const stored: StoredTerms = { resources, traces };
  return JSON.stringify(stored);
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

/** A trace's record in a block's trace index: 32 hex id + 8 hex offset + 8 hex length. */
const RECORD = 48;

export function traceIndexRecord(traceId: string, offset: number, length: number): string {
  return `${traceId}${offset.toString(16).padStart(8, "0")}${length.toString(16).padStart(8, "0")}`;
}

/** A stored block's index, ready to search; `terms` null leaves the filters unloaded. */
export function decodeBlockEntries(traceIndex: string, operationsJson: string, searchJson: string, termsJson: string | null, hasTerms: boolean): IndexedBlock {
  const operations = (JSON.parse(operationsJson) as StoredOperation[]).map(
    ([service, name, kind]): OperationRef => ({ service, name, kind: kind as OperationRef["kind"] }),
  );
  const rows = JSON.parse(searchJson) as number[][];
  const traces = rows.map((row, i): IndexedTrace => {
    const at = i * RECORD;
    return {
      traceId: traceIndex.slice(at, at + 32),
      startUs: micros(row[0] as number),
      durationUs: micros(row[1] as number),
      spanCount: row[2] as number,
      exact: row[3] === 1,
      // The row's tail is the triples: keep the parsed array, minus its head, rather than copy it into objects.
      ops: row.slice(4),
      bloom: null,
      resources: [],
      offset: parseInt(traceIndex.slice(at + 32, at + 40), 16),
      length: parseInt(traceIndex.slice(at + 40, at + 48), 16),
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
