/**
 * A block: one R2 object holding many traces, written in one PUT — R2 writes cost $4.50 per
 * million, so never one per trace — and read a trace at a time with ranged GETs.
 *
 *   [member 0][member 1]…[member n-1][search section][terms section][footer]
 *
 * - member: one trace's segment, gzip of an OTLP ExportTraceServiceRequest holding just its spans
 *   (the bytes exporters sent). A trace that received spans after it was first written has one
 *   segment per write until compaction merges them.
 * - search section: gzip of the block's search entries (block-entries.ts) — what search judges
 *   traces by without reading them. Kept here beside the data, not in a database: at ~20 B a span
 *   it is the bulk of the index, and R2 stores it at 1/13 of a Durable Object's price with no
 *   size limit. The tenant's shard object keeps only a small manifest row per block.
 * - terms section: gzip of the per-trace attribute filters; only tag searches read it. Empty when
 *   the block has none.
 * - footer: "ETB1" and the three lengths (u32, little-endian), so a block describes itself even
 *   without its manifest row.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { TraceDigest, OperationRef } from "./search-entry";
import { encodeBlockEntries, traceIndexRecord } from "./block-entries";

export const FOOTER_BYTES = 16;
const MAGIC = [0x45, 0x54, 0x42, 0x31]; // "ETB1"

/** One trace to write: its OTLP bytes (duplicates removed) and its search digest. */
export interface BlockTrace {
  traceId: string;
  bytes: Uint8Array;
  digest: TraceDigest;
}

/** Where a byte range of a block lies. */
export interface Extent {
  at: number;
  length: number;
}

/** What a block's manifest row records, computed while it is encoded. */
export interface BlockSummary {
  traceCount: number;
  spanCount: number;
  /** Raw (uncompressed) OTLP bytes in its members. */
  rawBytes: number;
  minStartUs: number;
  maxStartUs: number;
  maxEndUs: number;
  services: string[];
  operations: OperationRef[];
  /** A filter of every term in the block (bloom.ts), or null when a trace's terms are unknown. */
  blockTerms: Uint8Array | null;
}

export interface EncodedBlock {
  body: Uint8Array;
  /** Each trace's member, in block order. */
  members: Array<{ traceId: string } & Extent>;
  search: Extent;
  terms: Extent | null;
  summary: BlockSummary;
}

/**
 * Gzip level for members. Flushes run beside ingest and compress every span once, so they favour
 * speed (level 1); compaction runs in the background and trades CPU for bytes stored for 30 days.
 */
export const FLUSH_GZIP_LEVEL = 1;
export const COMPACTION_GZIP_LEVEL = 6;

/**
 * Builds a block a trace at a time: each trace is compressed as it is added and only its member
 * and digest are kept, so building a large block (compaction) holds compressed bytes, not raw.
 */
export class BlockBuilder {
  private readonly chunks: Uint8Array[] = [];
  private readonly digests: TraceDigest[] = [];
  readonly members: EncodedBlock["members"] = [];
  /** Compressed member bytes so far. */
  size = 0;
  /** Raw OTLP bytes so far. */
  rawBytes = 0;

  constructor(private readonly gzipLevel = FLUSH_GZIP_LEVEL) {}

  get traceCount(): number {
    return this.members.length;
  }

  add(trace: BlockTrace): void {
    const member = gzipSync(trace.bytes, { level: this.gzipLevel });
    this.members.push({ traceId: trace.traceId, at: this.size, length: member.byteLength });
    this.chunks.push(member);
    this.digests.push(trace.digest);
    this.size += member.byteLength;
    this.rawBytes += trace.bytes.byteLength;
  }

  finish(): EncodedBlock {
    const entries = encodeBlockEntries(this.digests);
    const traceIndex = this.members.map((m) => traceIndexRecord(m.traceId, m.at, m.length)).join("");
    // Newline-separated: JSON never contains a raw newline, and the trace index is hex.
    const searchSection = gzipSync(`${traceIndex}\n${entries.operations}\n${entries.search}`, { level: 6 });
    const termsSection = entries.terms === null ? new Uint8Array(0) : gzipSync(entries.terms, { level: 6 });
    const size = this.size;
    const search = { at: size, length: searchSection.byteLength };
    const terms = termsSection.byteLength ? { at: size + searchSection.byteLength, length: termsSection.byteLength } : null;
    const footer = new Uint8Array(FOOTER_BYTES);
    footer.set(MAGIC, 0);
    const view = new DataView(footer.buffer);
    view.setUint32(4, size, true);
    view.setUint32(8, searchSection.byteLength, true);
    view.setUint32(12, termsSection.byteLength, true);

    const body = new Uint8Array(size + searchSection.byteLength + termsSection.byteLength + FOOTER_BYTES);
    let at = 0;
    for (const chunk of [...this.chunks, searchSection, termsSection, footer]) {
      body.set(chunk, at);
      at += chunk.byteLength;
    }
    const operations = JSON.parse(entries.operations) as Array<[string, string, number]>;
    return { body, members: this.members, search, terms, summary: summarizeBlock(this.digests, this.rawBytes, entries.blockFilter, operations) };
  }
}

export function encodeBlock(traces: BlockTrace[], gzipLevel = FLUSH_GZIP_LEVEL): EncodedBlock {
  const builder = new BlockBuilder(gzipLevel);
  for (const trace of traces) builder.add(trace);
  return builder.finish();
}

function summarizeBlock(digests: TraceDigest[], rawBytes: number, blockTerms: Uint8Array | null, operations: Array<[string, string, number]>): BlockSummary {
  let minStart = Infinity;
  let maxStart = -Infinity;
  let maxEnd = -Infinity;
  let spans = 0;
  for (const digest of digests) {
    minStart = Math.min(minStart, digest.startUs);
    maxStart = Math.max(maxStart, digest.startUs);
    maxEnd = Math.max(maxEnd, digest.startUs + digest.durationUs);
    spans += digest.spanCount;
  }
  const services = [...new Set(operations.map(([service]) => service))].sort();
  return {
    traceCount: digests.length,
    spanCount: spans,
    rawBytes,
    minStartUs: digests.length ? minStart : 0,
    maxStartUs: digests.length ? maxStart : 0,
    maxEndUs: digests.length ? maxEnd : 0,
    services,
    operations: operations.map(([service, name, kind]) => ({ service, name, kind: kind as OperationRef["kind"] })),
    blockTerms,
  };
}

/** One trace's OTLP protobuf from its block, or null if the block is gone (expired, compacted). */
export async function readMember(bucket: R2Bucket, key: string, at: number, length: number): Promise<Uint8Array | null> {
  const object = await bucket.get(key, { range: { offset: at, length } });
  if (!object) return null;
  return gunzipSync(new Uint8Array(await object.arrayBuffer()));
}

/** A block's whole object, for compaction (which reads every member). */
export async function readBlock(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

export function memberOf(block: Uint8Array, at: number, length: number): Uint8Array {
  return gunzipSync(block.subarray(at, at + length));
}

/** A section's text, or null if the block is gone. */
export async function readSection(bucket: R2Bucket, key: string, extent: Extent): Promise<string | null> {
  const object = await bucket.get(key, { range: { offset: extent.at, length: extent.length } });
  if (!object) return null;
  return new TextDecoder().decode(gunzipSync(new Uint8Array(await object.arrayBuffer())));
}

/** A search section split into the three strings block-entries.ts decodes. */
export function splitSearchSection(text: string): { traceIndex: string; operations: string; search: string } {
  const first = text.indexOf("\n");
  const second = text.indexOf("\n", first + 1);
  return { traceIndex: text.slice(0, first), operations: text.slice(first + 1, second), search: text.slice(second + 1) };
}

/** The extents a block's footer records, or null for bytes that are not a block. */
export function readFooter(block: Uint8Array): { members: number; search: Extent; terms: Extent | null } | null {
  if (block.byteLength < FOOTER_BYTES) return null;
  const footer = block.subarray(block.byteLength - FOOTER_BYTES);
  if (MAGIC.some((byte, i) => footer[i] !== byte)) return null;
  const view = new DataView(footer.buffer, footer.byteOffset, FOOTER_BYTES);
  const members = view.getUint32(4, true);
  const search = view.getUint32(8, true);
  const terms = view.getUint32(12, true);
  if (members + search + terms + FOOTER_BYTES !== block.byteLength) return null;
  return { members, search: { at: members, length: search }, terms: terms ? { at: members + search, length: terms } : null };
}
