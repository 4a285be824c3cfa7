/**
 * A block: one R2 object holding many traces, written in one PUT — R2 writes cost $4.50 per
 * million, so never one per trace — and read a trace at a time with ranged GETs.
 *
 *   [frame 0][frame 1]…[frame n-1][search section][terms section][footer]
 *
 * - frame: consecutive traces' OTLP requests (the bytes exporters sent), back to back, compressed
 *   together with brotli. A trace is read by fetching its frame (a ranged GET), decompressing it
 *   and keeping its own bytes (`inner`); a trace that received spans after it was first written
 *   has one segment per write until compaction merges them. Measured on HotROD traces: compressed
 *   one by one, small traces cost 3× the CPU for worse ratios (gzip 129 B/span, zlib with a shared
 *   dictionary 71); in 256 KB frames at brotli quality 5, 52 B/span at ~60 MB/s — less than Tempo's
 *   Parquet (~58) — and decompressing a frame takes ~0.7 ms. Flushes write 64 KB frames at quality
 *   0 (~500 MB/s, a sixth of the bytes): those blocks live only until compaction rewrites them.
 * - search section: gzip of the block's search entries (block-entries.ts) — what search judges
 *   traces by without reading them. Kept here beside the data, not in a database: at ~20 B a span
 *   it is the bulk of the index, and R2 stores it at 1/13 of a Durable Object's price with no
 *   size limit. The tenant's shard object keeps only a small manifest row per block.
 * - terms section: gzip of the per-trace attribute filters; only tag searches read it. Empty when
 *   the block has none.
 * - footer: "ETB3" and the three lengths (u32, little-endian), so a block describes itself even
 *   without its manifest row.
 *
 * Archived traces are the same format: a block of one trace, one frame (gzip).
 */
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from "node:zlib";
import type { TraceDigest, OperationRef } from "./search-entry";
import { BlockEntriesBuilder, traceIndexRecord } from "./block-entries";

export const FOOTER_BYTES = 16;
const MAGIC = [0x45, 0x54, 0x42, 0x33]; // "ETB3"

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

/** Where a trace's bytes are: its frame in the block, and its own bytes in the decompressed frame. */
export interface MemberPlace extends Extent {
  innerAt: number;
  innerLength: number;
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
  /** Each trace's place, in block order. */
  members: Array<{ traceId: string } & MemberPlace>;
  search: Extent;
  terms: Extent | null;
  summary: BlockSummary;
}

/** How frames are compressed: brotli (blocks) or gzip (an archived trace). */
export interface FrameCodec {
  kind: "brotli" | "gzip";
  /** brotli quality 0–11, or gzip level 1–9. */
  level: number;
  /** A frame is closed once it holds this many raw bytes. */
  frameBytes: number;
}

/** What a flush writes: fast, for blocks that live until compaction. */
export const FLUSH_FRAMES: FrameCodec = { kind: "brotli", level: 0, frameBytes: 64 * 1024 };
/** What compaction writes: stored for the retention period. */
export const COMPACTED_FRAMES: FrameCodec = { kind: "brotli", level: 5, frameBytes: 256 * 1024 };
/** An archived trace: one frame. */
export const ARCHIVE_FRAME: FrameCodec = { kind: "gzip", level: 6, frameBytes: Infinity };

/**
 * A frame's first byte says how it is compressed. 0xfe and 0xfd are tags of wire type 6 and 5 in
 * field 31, which no OTLP request starts with; gzip starts with 0x1f.
 */
const BROTLI_MARK = 0xfe;

/**
 * Builds a block a trace at a time: traces are packed into frames, each compressed as it fills, so
 * building a large block (compaction) holds compressed bytes, not raw.
 */
export class BlockBuilder {
  private readonly frames: Uint8Array[] = [];
  private readonly entries = new BlockEntriesBuilder();
  private readonly codec: FrameCodec;
  private readonly span = { min: Infinity, maxStart: -Infinity, maxEnd: -Infinity, spans: 0 };
  readonly members: EncodedBlock["members"] = [];
  /** Compressed bytes of the frames closed so far. */
  size = 0;
  /** Raw OTLP bytes so far. */
  rawBytes = 0;
  /** The frame being filled: its traces' bytes, and their places to fix when it closes. */
  private open: Uint8Array[] = [];
  private openBytes = 0;
  private openMembers: Array<EncodedBlock["members"][number]> = [];

  constructor(codec: FrameCodec) {
    this.codec = codec;
  }

  get traceCount(): number {
    return this.members.length;
  }

  add(trace: BlockTrace): void {
    const member = { traceId: trace.traceId, at: 0, length: 0, innerAt: this.openBytes, innerLength: trace.bytes.byteLength };
    this.members.push(member);
    this.open.push(trace.bytes);
    this.openBytes += trace.bytes.byteLength;
    this.openMembers.push(member);
    this.entries.add(trace.digest);
    const { digest } = trace;
    this.span.min = Math.min(this.span.min, digest.startUs);
    this.span.maxStart = Math.max(this.span.maxStart, digest.startUs);
    this.span.maxEnd = Math.max(this.span.maxEnd, digest.startUs + digest.durationUs);
    this.span.spans += digest.spanCount;
    this.rawBytes += trace.bytes.byteLength;
    if (this.openBytes >= this.codec.frameBytes) this.closeFrame();
  }

  /** Compresses the frame being filled; every trace in it gets the frame as its member. */
  private closeFrame(): void {
    if (this.open.length === 0) return;
    const frame = compressFrame(concat(this.open, this.openBytes), this.codec);
    for (const member of this.openMembers) {
      member.at = this.size;
      member.length = frame.byteLength;
    }
    this.frames.push(frame);
    this.size += frame.byteLength;
    this.open = [];
    this.openBytes = 0;
    this.openMembers = [];
  }

  finish(): EncodedBlock {
    this.closeFrame();
    const entries = this.entries.finish();
    const traceIndex = this.members.map((m) => traceIndexRecord(m.traceId, m)).join("");
    // Newline-separated: JSON never contains a raw newline, and the trace index is hex.
    const searchSection = gzipSync(`${traceIndex}\n${entries.operations}\n${entries.search}`, { level: 1 });
    const termsSection = entries.terms === null ? new Uint8Array(0) : gzipSync(entries.terms, { level: 1 });
    const search = { at: this.size, length: searchSection.byteLength };
    const terms = { at: this.size + searchSection.byteLength, length: termsSection.byteLength };
    const footer = new Uint8Array(FOOTER_BYTES);
    footer.set(MAGIC, 0);
    const view = new DataView(footer.buffer);
    view.setUint32(4, this.size, true);
    view.setUint32(8, searchSection.byteLength, true);
    view.setUint32(12, termsSection.byteLength, true);
    const parts = [...this.frames, searchSection, termsSection, footer];
    const operations = JSON.parse(entries.operations) as Array<[string, string, number]>;
    return {
      body: concat(parts, parts.reduce((n, p) => n + p.byteLength, 0)),
      members: this.members,
      search,
      terms: termsSection.byteLength ? terms : null,
      summary: {
        traceCount: this.members.length,
        spanCount: this.span.spans,
        rawBytes: this.rawBytes,
        minStartUs: this.members.length ? this.span.min : 0,
        maxStartUs: this.members.length ? this.span.maxStart : 0,
        maxEndUs: this.members.length ? this.span.maxEnd : 0,
        services: [...new Set(operations.map(([service]) => service))].sort(),
        operations: operations.map(([service, name, kind]) => ({ service, name, kind: kind as OperationRef["kind"] })),
        blockTerms: entries.blockFilter,
      },
    };
  }
}

export function encodeBlock(traces: BlockTrace[], codec: FrameCodec): EncodedBlock {
  const builder = new BlockBuilder(codec);
  for (const trace of traces) builder.add(trace);
  return builder.finish();
}

function compressFrame(raw: Uint8Array, codec: FrameCodec): Uint8Array {
  if (codec.kind === "gzip") return gzipSync(raw, { level: codec.level });
  const compressed = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: codec.level } });
  const frame = new Uint8Array(compressed.byteLength + 1);
  frame[0] = BROTLI_MARK;
  frame.set(compressed, 1);
  return frame;
}

/** A frame's raw bytes (every trace in it), whichever way it was compressed. */
export function decodeFrame(frame: Uint8Array): Uint8Array {
  if (frame[0] === BROTLI_MARK) return new Uint8Array(brotliDecompressSync(frame.subarray(1)));
  if (frame[0] === 0x1f && frame[1] === 0x8b) return new Uint8Array(gunzipSync(frame));
  throw new Error(`not a frame (first byte 0x${(frame[0] ?? 0).toString(16)})`);
}

/** A trace's own bytes from its decoded frame (innerLength 0: the whole frame). */
export function innerBytes(frame: Uint8Array, place: Pick<MemberPlace, "innerAt" | "innerLength">): Uint8Array {
  return place.innerLength === 0 ? frame : frame.subarray(place.innerAt, place.innerAt + place.innerLength);
}

/** A byte range of a block, or null if the block is gone (expired, compacted). */
export async function readExtent(bucket: R2Bucket, key: string, extent: Extent): Promise<Uint8Array | null> {
  const object = await bucket.get(key, { range: { offset: extent.at, length: extent.length } });
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

/** One trace's OTLP bytes from its block, or null if the block is gone. */
export async function readMember(bucket: R2Bucket, key: string, place: MemberPlace): Promise<Uint8Array | null> {
  const frame = await readExtent(bucket, key, place);
  return frame && innerBytes(decodeFrame(frame), place);
}

/** A block's whole object, for compaction (which reads every member). */
export async function readBlock(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

/** A section's text, or null if the block is gone. */
export async function readSection(bucket: R2Bucket, key: string, extent: Extent): Promise<string | null> {
  const bytes = await readExtent(bucket, key, extent);
  return bytes && new TextDecoder().decode(gunzipSync(bytes));
}

/** A search section split into the three strings block-entries.ts decodes. */
export function splitSearchSection(text: string): { traceIndex: string; operations: string; search: string } {
  const first = text.indexOf("\n");
  const second = text.indexOf("\n", first + 1);
  return { traceIndex: text.slice(0, first), operations: text.slice(first + 1, second), search: text.slice(second + 1) };
}

export interface BlockLayout {
  frames: number;
  search: Extent;
  terms: Extent | null;
}

/** The extents a block's footer records, or null for bytes that are not a block. */
export function readFooter(block: Uint8Array): BlockLayout | null {
  if (block.byteLength < FOOTER_BYTES) return null;
  const footer = block.subarray(block.byteLength - FOOTER_BYTES);
  if (MAGIC.some((byte, i) => footer[i] !== byte)) return null;
  const view = new DataView(footer.buffer, footer.byteOffset, FOOTER_BYTES);
  const frames = view.getUint32(4, true);
  const search = view.getUint32(8, true);
  const terms = view.getUint32(12, true);
  if (frames + search + terms + FOOTER_BYTES !== block.byteLength) return null;
  return { frames, search: { at: frames, length: search }, terms: terms ? { at: frames + search, length: terms } : null };
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
