/**
 * Compaction: merges a shard's small blocks of one hour (TRACE_COMPACTION_WINDOW_SECONDS) into one (or a few) large ones, so the
 * number of blocks per tenant-hour stays bounded whatever the traffic looks like — a trickle of
 * small requests makes many small blocks, a busy trace many segments; after compaction each hour
 * of a shard is ceil(its bytes / TARGET_BLOCK_BYTES) blocks. A trace's segments in the merged
 * blocks become one member (duplicates removed), re-compressed at a higher gzip level.
 *
 * Crash safety: the outputs are written (manifest rows first, as every block) before one
 * transaction swaps them in for the inputs; the inputs' objects are deleted only after a grace
 * period (garbage.ts), so a reader that resolved them a moment earlier still finds them. A crash
 * at any point leaves either the inputs or the outputs live — never neither, never both.
 */
import { BlockBuilder, decodeMember, readBlock, readFooter, sampleDictionary, splitSearchSection, type EncodedBlock } from "../../worker/trace-index/block-format";
import { gunzipSync } from "node:zlib";
import { REPLACED_GRACE_MS } from "./garbage";
import type { BlockRow } from "./manifest";
import { digestOnly, prepareTrace, splitByTrace, yieldToEventLoop } from "./segment";
import type { ShardStore } from "./store";

/** A window is closed (no new level-0 blocks will join it) this long after it ends. */
export const CLOSE_GRACE_MS = 2 * 60_000;
/** An open window is compacted early once it has this many level-0 blocks. */
export const EARLY_BLOCKS = 32;
/** Compressed bytes a compacted block aims for; blocks this big are left alone. */
export const TARGET_BLOCK_BYTES = 16 * 1024 * 1024;
/** Compressed input bytes one compaction reads at most (its memory is about twice this). */
export const MAX_INPUT_BYTES = 24 * 1024 * 1024;
/** Traces between yields to the event loop. */
const YIELD_EVERY = 50;
/** zlib level for compacted members: written once, stored for the retention period. */
const COMPACTION_LEVEL = 6;
/** Traces, spread over the inputs, that a compacted block's dictionary is sampled from. */
const DICTIONARY_SAMPLES = 8;

/**
 * A trace's segment in an input block: its member as stored, the dictionary it needs, and — when
 * the member is a frame shared with other traces — the frame's key, so it is decoded once.
 */
interface Segment {
  member: Uint8Array;
  dictionary: Uint8Array | null;
  frame: string | null;
}

export interface CompactionPlan {
  window: number;
  inputs: BlockRow[];
}

/** The oldest window worth compacting now, or null; and when one next may be. */
export function planCompaction(store: ShardStore, now: number, windowMs: number): { plan: CompactionPlan | null; nextCheck: number | null } {
  let nextCheck: number | null = null;
  const grace = Math.min(CLOSE_GRACE_MS, windowMs);
  for (const { window, blocks } of store.manifest.levelZeroWindows(windowMs)) {
    const closesAt = window + windowMs + grace;
    const closed = closesAt <= now;
    if (!closed && blocks < EARLY_BLOCKS) {
      nextCheck = Math.min(nextCheck ?? Infinity, closesAt);
      continue;
    }
    const small = store.manifest.inWindow(window, window + windowMs).filter((b) => b.bytes < TARGET_BLOCK_BYTES);
    const inputs: BlockRow[] = [];
    let bytes = 0;
    for (const block of small) {
      if (inputs.length >= 1 && bytes + block.bytes > MAX_INPUT_BYTES) break;
      inputs.push(block);
      bytes += block.bytes;
    }
    // Level-0 blocks hold raw members: even a window's only block is rewritten, compressed.
    if (inputs.some((b) => b.level === 0)) return { plan: { window, inputs }, nextCheck: now };
  }
  return { plan: null, nextCheck };
}

export interface CompactionResult {
  inputs: number;
  outputs: number;
  bytesRead: number;
  bytesWritten: number;
}

export async function compact(store: ShardStore, plan: CompactionPlan, now: number): Promise<CompactionResult> {
  // Every input whole (one GET each), and its trace index from its own search section.
  const segments = new Map<string, Segment[]>();
  const order: string[] = [];
  /** Shared frames: how many traces still need each, and each decoded frame split per trace. */
  const frameUsers = new Map<string, number>();
  const frames = new Map<string, Map<string, Uint8Array>>();
  const partOf = (traceId: string, segment: Segment): Uint8Array | null => {
    if (!segment.frame) return decodeMember(segment.member, segment.dictionary);
    let pieces = frames.get(segment.frame);
    if (!pieces) {
      try {
        pieces = splitByTrace(decodeMember(segment.member, segment.dictionary));
      } catch (error) {
        // Checked at ingest, so storage corruption: logged and dropped, never retried for ever.
        console.error(`compaction: frame ${segment.frame} no longer decodes; dropping its spans`, error);
        pieces = new Map();
      }
      frames.set(segment.frame, pieces);
    }
    const left = (frameUsers.get(segment.frame) ?? 1) - 1;
    frameUsers.set(segment.frame, left);
    // Frames hold consecutive traces: once its last trace is written, let the frame go.
    if (left <= 0) frames.delete(segment.frame);
    return pieces.get(traceId) ?? null;
  };
  let bytesRead = 0;
  const present: BlockRow[] = [];
  for (const input of plan.inputs) {
    const body = await readBlock(store.bucket, input.key);
    if (!body) {
      // Gone from R2 (should not happen: only this object deletes its blocks). Leave it be.
      console.error(`compaction: block ${input.key} is missing from R2; skipping it`);
      continue;
    }
    bytesRead += body.byteLength;
    present.push(input);
    const footer = readFooter(body);
    if (!footer) throw new Error(`compaction: block ${input.key} has no footer`);
    const dictionary = footer.dictionary ? body.subarray(footer.dictionary.at, footer.dictionary.at + footer.dictionary.length) : null;
    const text = new TextDecoder().decode(gunzipSync(body.subarray(footer.search.at, footer.search.at + footer.search.length)));
    const { traceIndex } = splitSearchSection(text);
    const sharing = new Map<number, number>();
    for (let at = 0; at < traceIndex.length; at += 48) {
      const offset = parseInt(traceIndex.slice(at + 32, at + 40), 16);
      sharing.set(offset, (sharing.get(offset) ?? 0) + 1);
    }
    for (let at = 0; at < traceIndex.length; at += 48) {
      const traceId = traceIndex.slice(at, at + 32);
      const offset = parseInt(traceIndex.slice(at + 32, at + 40), 16);
      const length = parseInt(traceIndex.slice(at + 40, at + 48), 16);
      let list = segments.get(traceId);
      if (!list) {
        segments.set(traceId, (list = []));
        order.push(traceId);
      }
      // Keep the member as stored; decode it only when its trace is written.
      const shared = (sharing.get(offset) ?? 0) > 1;
      list.push({ member: body.subarray(offset, offset + length), dictionary, frame: shared ? `${input.key}@${offset}` : null });
      if (shared) frameUsers.set(`${input.key}@${offset}`, (frameUsers.get(`${input.key}@${offset}`) ?? 0) + 1);
    }
  }
  if (present.length === 0) return { inputs: 0, outputs: 0, bytesRead, bytesWritten: 0 };

  const created = Math.max(...present.map((b) => b.created));
  const outputs: Array<{ id: number; key: string; block: EncodedBlock }> = [];
  // The output's dictionary: pieces of traces spread over the whole input.
  const step = Math.max(1, Math.floor(order.length / DICTIONARY_SAMPLES));
  const samples: Uint8Array[] = [];
  for (let i = 0; i < order.length && samples.length < DICTIONARY_SAMPLES; i += step) {
    const first = (segments.get(order[i] as string) as Segment[])[0] as Segment;
    samples.push(decodeMember(first.member, first.dictionary));
  }
  const codec = { kind: "zlib", level: COMPACTION_LEVEL, dictionary: sampleDictionary(samples) } as const;
  let builder = new BlockBuilder(codec);
  const finishOutput = async () => {
    if (builder.traceCount === 0) return;
    const block = builder.finish();
    builder = new BlockBuilder(codec);
    const key = store.blockKey(1, created);
    const id = store.manifest.begin(key, 1, created);
    try {
      await store.bucket.put(key, block.body);
    } catch (error) {
      await store.abandonBlock(id, now);
      throw error;
    }
    outputs.push({ id, key, block });
  };
  try {
    for (const [i, traceId] of order.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      const parts = (segments.get(traceId) as Segment[]).map((s) => partOf(traceId, s)).filter((p): p is Uint8Array => p !== null);
      segments.delete(traceId);
      if (parts.length === 0) continue;
      // A single segment was deduplicated when it was written; several are merged and deduplicated now.
      const trace = parts.length === 1 ? digestOnly(traceId, parts[0] as Uint8Array) : prepareTrace(traceId, concatBytes(parts));
      if (trace) builder.add(trace);
      if (builder.size >= TARGET_BLOCK_BYTES) await finishOutput();
    }
    await finishOutput();
  } catch (error) {
    // Outputs already written are abandoned (their objects become garbage); the inputs stay live.
    for (const output of outputs) await store.abandonBlock(output.id, now);
    throw error;
  }

  let bytesWritten = 0;
  store.transaction(() => {
    const rowsBefore = store.sql.rowsWritten;
    for (const output of outputs) {
      store.manifest.commit(output.id, output.block);
      store.ids.addRun(output.block.members.map((m) => ({ traceId: m.traceId, block: output.id, at: m.at, length: m.length })), created);
      bytesWritten += output.block.body.byteLength;
    }
    store.manifest.delete(present.map((b) => b.id));
    store.garbage.add(present.map((b) => b.key), now + REPLACED_GRACE_MS);
    store.recordUsage(now, {
      compactions: 1,
      r2Gets: present.length,
      r2Puts: outputs.length,
      r2BytesWritten: bytesWritten,
      // The transaction's rows, and each output's manifest row written before its PUT.
      objectRowsWritten: store.sql.rowsWritten - rowsBefore + outputs.length,
    });
  });
  return { inputs: present.length, outputs: outputs.length, bytesRead, bytesWritten };
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
