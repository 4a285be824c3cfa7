/**
 * A block: one R2 object holding many traces, written in one PUT — R2 writes cost $4.50 per
 * million, so never one per trace — and read a trace at a time with ranged GETs.
 *
 *   [member 0][member 1]…[member n-1][dictionary][search section][terms section][footer]
 *
 * - member: what a trace's segment is read from, an OTLP ExportTraceServiceRequest (the bytes
 *   exporters sent). A trace that received spans after it was first written has one segment per
 *   write until compaction merges them. How members are stored (a member's first byte tells):
 *     - frames, in blocks a flush writes: consecutive traces share a brotli (quality 0) frame of
 *       ~64 KB, so a member may hold other traces' spans too (readers keep the trace's own). Per
 *       trace, compression of small inputs costs 3× more CPU for worse ratios; a frame compresses
 *       at ~500 MB/s to a sixth, and these blocks live only until compaction (an hour);
 *     - zlib with the block's dictionary, in blocks compaction writes: each trace alone is small
 *       and repeats what its neighbours say (service names, attribute keys, resource headers), so a
 *       32 KB dictionary sampled from the block's own traces compresses each ~40% better than gzip
 *       alone, and every trace is still one ranged read (plus the block's dictionary, cached);
 *     - gzip, in archived traces (one trace, no neighbours).
 * - dictionary: the zlib preset dictionary of a compacted block; empty otherwise.
 * - search section: gzip of the block's search entries (block-entries.ts) — what search judges
 *   traces by without reading them. Kept here beside the data, not in a database: at ~20 B a span
 *   it is the bulk of the index, and R2 stores it at 1/13 of a Durable Object's price with no
 *   size limit. The tenant's shard object keeps only a small manifest row per block.
 * - terms section: gzip of the per-trace attribute filters; only tag searches read it. Empty when
 *   the block has none.
 * - footer: "ETB2" and the four lengths (u32, little-endian), so a block describes itself even
 *   without its manifest row.
 */
import { brotliCompressSync, brotliDecompressSync, constants, deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import type { TraceDigest, OperationRef } from "./search-entry";
import { BlockEntriesBuilder, traceIndexRecord } from "./block-entries";

export const FOOTER_BYTES = 20;
const MAGIC = [0x45, 0x54, 0x42, 0x32]; // "ETB2"
/** zlib's window: a preset dictionary longer than this is never used. */
export const DICTIONARY_BYTES = 32 * 1024;

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
  dictionary: Extent | null;
  search: Extent;
  terms: Extent | null;
  summary: BlockSummary;
}

/** How members are stored: frames (flush), zlib with a dictionary (compaction), gzip (archive); raw for tests. */
export type MemberCodec =
  | { kind: "raw" }
  | { kind: "frames"; frameBytes: number }
  | { kind: "zlib"; level: number; dictionary: Uint8Array }
  | { kind: "gzip"; level: number };

export const RAW: MemberCodec = { kind: "raw" };
/** What a flush writes: traces in shared brotli frames of ~64 KB. */
export const FRAMES: MemberCodec = { kind: "frames", frameBytes: 64 * 1024 };

/** A frame's first byte: wire type 6 does not exist, so no OTLP request, gzip or zlib stream starts so. */
const FRAME_MARK = 0xfe;
const BROTLI_FASTEST = { params: { [constants.BROTLI_PARAM_QUALITY]: 0 } };

/**
 * Builds a block a trace at a time: each trace is encoded as it is added and only its member and
 * digest are kept, so building a large block (compaction) holds compressed bytes, not raw.
 */
export class BlockBuilder {
  private readonly chunks: Uint8Array[] = [];
  private readonly entries = new BlockEntriesBuilder();
  private readonly codec: MemberCodec;
  private readonly span = { min: Infinity, maxStart: -Infinity, maxEnd: -Infinity, spans: 0 };
  readonly members: EncodedBlock["members"] = [];
  /** Member bytes so far. */
  size = 0;
  /** Raw OTLP bytes so far. */
  rawBytes = 0;
  /** The frame being filled (frames codec): its traces' bytes, and their members to place. */
  private frame: Uint8Array[] = [];
  private frameBytes = 0;
  private frameMembers: Array<EncodedBlock["members"][number]> = [];

  constructor(codec: MemberCodec = RAW) {
    this.codec = codec;
  }

  get traceCount(): number {
    return this.members.length;
  }

  add(trace: BlockTrace): void {
    if (this.codec.kind === "frames") {
      const member = { traceId: trace.traceId, at: 0, length: 0 };
      this.members.push(member);
      this.frame.push(trace.bytes);
      this.frameBytes += trace.bytes.byteLength;
      this.frameMembers.push(member);
      if (this.frameBytes >= this.codec.frameBytes) this.closeFrame();
    } else {
      const member = encodeMember(trace.bytes, this.codec);
      this.members.push({ traceId: trace.traceId, at: this.size, length: member.byteLength });
      this.chunks.push(member);
      this.size += member.byteLength;
    }
    this.entries.add(trace.digest);
    const { digest } = trace;
    this.span.min = Math.min(this.span.min, digest.startUs);
    this.span.maxStart = Math.max(this.span.maxStart, digest.startUs);
    this.span.maxEnd = Math.max(this.span.maxEnd, digest.startUs + digest.durationUs);
    this.span.spans += digest.spanCount;
    this.rawBytes += trace.bytes.byteLength;
  }

  /** Compresses the frame being filled; every trace in it gets the frame as its member. */
  private closeFrame(): void {
    if (this.frame.length === 0) return;
    const raw = new Uint8Array(this.frameBytes);
    let at = 0;
    for (const piece of this.frame) {
      raw.set(piece, at);
      at += piece.byteLength;
    }
    const compressed = brotliCompressSync(raw, BROTLI_FASTEST);
    const frame = new Uint8Array(compressed.byteLength + 1);
    frame[0] = FRAME_MARK;
    frame.set(compressed, 1);
    for (const member of this.frameMembers) {
      member.at = this.size;
      member.length = frame.byteLength;
    }
    this.chunks.push(frame);
    this.size += frame.byteLength;
    this.frame = [];
    this.frameBytes = 0;
    this.frameMembers = [];
  }

  finish(): EncodedBlock {
    this.closeFrame();
    const entries = this.entries.finish();
    const traceIndex = this.members.map((m) => traceIndexRecord(m.traceId, m.at, m.length)).join("");
    const dictionary = this.codec.kind === "zlib" ? this.codec.dictionary : new Uint8Array(0);
    // Newline-separated: JSON never contains a raw newline, and the trace index is hex.
    const searchSection = gzipSync(`${traceIndex}\n${entries.operations}\n${entries.search}`, { level: 1 });
    const termsSection = entries.terms === null ? new Uint8Array(0) : gzipSync(entries.terms, { level: 1 });
    let at = this.size;
    const extent = (length: number): Extent => {
      const e = { at, length };
      at += length;
      return e;
    };
    const dictionaryExtent = extent(dictionary.byteLength);
    const search = extent(searchSection.byteLength);
    const terms = extent(termsSection.byteLength);
    const footer = new Uint8Array(FOOTER_BYTES);
    footer.set(MAGIC, 0);
    const view = new DataView(footer.buffer);
    view.setUint32(4, this.size, true);
    view.setUint32(8, dictionary.byteLength, true);
    view.setUint32(12, searchSection.byteLength, true);
    view.setUint32(16, termsSection.byteLength, true);

    const body = new Uint8Array(at + FOOTER_BYTES);
    let offset = 0;
    for (const chunk of [...this.chunks, dictionary, searchSection, termsSection, footer]) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const operations = JSON.parse(entries.operations) as Array<[string, string, number]>;
    return {
      body,
      members: this.members,
      dictionary: dictionary.byteLength ? dictionaryExtent : null,
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

export function encodeBlock(traces: BlockTrace[], codec: MemberCodec = RAW): EncodedBlock {
  const builder = new BlockBuilder(codec);
  for (const trace of traces) builder.add(trace);
  return builder.finish();
}

function encodeMember(bytes: Uint8Array, codec: Exclude<MemberCodec, { kind: "frames" }>): Uint8Array {
  switch (codec.kind) {
    case "raw":
      return bytes;
    case "gzip":
      return gzipSync(bytes, { level: codec.level });
    case "zlib":
      return deflateSync(bytes, { level: codec.level, dictionary: codec.dictionary });
  }
}

/**
 * A member's OTLP bytes, whichever way it was stored. The first byte tells: an OTLP request starts
 * with field 1 (0x0a), a frame with FRAME_MARK, gzip with 0x1f 0x8b, zlib with 0x78. A frame's
 * bytes may hold other traces' spans too.
 */
export function decodeMember(member: Uint8Array, dictionary?: Uint8Array | null): Uint8Array {
  if (member[0] === FRAME_MARK) return new Uint8Array(brotliDecompressSync(member.subarray(1)));
  if (member[0] === 0x1f && member[1] === 0x8b) return gunzipSync(member);
  if (member[0] === 0x78) {
    if (!dictionary) throw new Error("a zlib member needs its block's dictionary");
    return inflateSync(member, { dictionary });
  }
  return member;
}

/**
 * A preset dictionary for a block: the first 16 KB of a few of its traces, taken from across the
 * block. Measured on HotROD traces (20 × 512 spans): whole 16 KB pieces of traces spread over the
 * block give 71 B a span, against 108 for 1 KB pieces and 129 for gzip without a dictionary —
 * a span means most in the company of its trace's other spans.
 */
export function sampleDictionary(samples: Uint8Array[], size = DICTIONARY_BYTES, piece = 16 * 1024): Uint8Array {
  if (samples.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(size);
  let at = size;
  // Twice as many pieces as fit, spread evenly: small traces leave room for more.
  const step = Math.max(1, Math.floor(samples.length / (Math.ceil(size / piece) * 2)));
  for (let i = 0; i < samples.length && at > 0; i += step) {
    const sample = samples[i] as Uint8Array;
    const take = Math.min(sample.byteLength, piece, at);
    out.set(sample.subarray(0, take), at - take);
    at -= take;
  }
  return out.subarray(at);
}

/** One trace's OTLP protobuf from its block, or null if the block is gone (expired, compacted). */
export async function readMember(bucket: R2Bucket, key: string, at: number, length: number, dictionary?: Uint8Array | null): Promise<Uint8Array | null> {
  const object = await bucket.get(key, { range: { offset: at, length } });
  if (!object) return null;
  return decodeMember(new Uint8Array(await object.arrayBuffer()), dictionary);
}

/** A byte range of a block, or null if the block is gone. */
export async function readExtent(bucket: R2Bucket, key: string, extent: Extent): Promise<Uint8Array | null> {
  const object = await bucket.get(key, { range: { offset: extent.at, length: extent.length } });
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
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
  members: number;
  dictionary: Extent | null;
  search: Extent;
  terms: Extent | null;
}

/** The extents a block's footer records, or null for bytes that are not a block. */
export function readFooter(block: Uint8Array): BlockLayout | null {
  if (block.byteLength < FOOTER_BYTES) return null;
  const footer = block.subarray(block.byteLength - FOOTER_BYTES);
  if (MAGIC.some((byte, i) => footer[i] !== byte)) return null;
  const view = new DataView(footer.buffer, footer.byteOffset, FOOTER_BYTES);
  const members = view.getUint32(4, true);
  const dictionary = view.getUint32(8, true);
  const search = view.getUint32(12, true);
  const terms = view.getUint32(16, true);
  if (members + dictionary + search + terms + FOOTER_BYTES !== block.byteLength) return null;
  return {
    members,
    dictionary: dictionary ? { at: members, length: dictionary } : null,
    search: { at: members + dictionary, length: search },
    terms: terms ? { at: members + dictionary + search, length: terms } : null,
  };
}
