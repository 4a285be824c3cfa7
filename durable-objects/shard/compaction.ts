/**
 * Compaction: merges a shard's small blocks of one hour (TRACE_COMPACTION_WINDOW_SECONDS) into one (or a few) large ones, so the
 * number of blocks per tenant-hour stays bounded whatever the traffic looks like — a trickle of
 * small requests makes many small blocks, a busy trace many segments; after compaction each hour
 * of a shard is ceil(its bytes / TARGET_BLOCK_BYTES) blocks. A trace's segments in the merged
 * blocks become one (duplicates removed), and traces are rewritten in large brotli frames, grouped
 * by service (block-format.ts): ~52 B a HotROD span, a sixth of the flushed blocks' size.
 *
 * Crash safety: the outputs are written (manifest rows first, as every block) before one
 * transaction swaps them in for the inputs; the inputs' objects are deleted only after a grace
 * period (garbage.ts), so a reader that resolved them a moment earlier still finds them. A crash
 * at any point leaves either the inputs or the outputs live — never neither, never both.
 */
import { BlockBuilder, COMPACTED_FRAMES, decodeFrame, innerBytes, readBlock, readFooter, splitSearchSection, type EncodedBlock } from "../../worker/trace-index/block-format";
import { decodeBlockEntries } from "../../worker/trace-index/block-entries";
import { gunzipSync } from "node:zlib";
import { REPLACED_GRACE_MS } from "./garbage";
import type { BlockRow } from "./manifest";
import { digestOnly, prepareTrace, yieldToEventLoop } from "./segment";
import type { ShardStore } from "./store";

/** A window is closed (no new level-0 blocks will join it) this long after it ends. */
export const CLOSE_GRACE_MS = 2 * 60_000;
/** An open window is compacted early once it has this many level-0 blocks (TRACE_COMPACTION_EARLY_BLOCKS; 0: never). */
export const EARLY_BLOCKS = 32;
/**
 * Compressed bytes a compacted block aims for (~95,000 HotROD spans, ~3,700 traces); compacted
 * blocks this big are left alone. Searches read and cache a block's index whole, so a block's
 * index must stay a few MB (at 16 MB, 18,000 traces' filters took 10 MB and were never cached).
 */
export const TARGET_BLOCK_BYTES = 4 * 1024 * 1024;
/** Compressed input bytes one compaction reads at most (its memory is about twice this). */
export const MAX_INPUT_BYTES = 24 * 1024 * 1024;
/** Traces between yields to the event loop. */
const YIELD_EVERY = 50;

/** A trace's segment in an input block: its frame (shared with the traces beside it) and its bytes in it. */
interface Segment {
  frame: string;
  innerAt: number;
  innerLength: number;
}

export interface CompactionPlan {
  window: number;
  inputs: BlockRow[];
}

/** The oldest window worth compacting now, or null; and when one next may be. */
export function planCompaction(store: ShardStore, now: number, windowMs: number, earlyBlocks = EARLY_BLOCKS): { plan: CompactionPlan | null; nextCheck: number | null } {
  let nextCheck: number | null = null;
  const grace = Math.min(CLOSE_GRACE_MS, windowMs);
  for (const { window, blocks } of store.manifest.levelZeroWindows(windowMs)) {
    const closesAt = window + windowMs + grace;
    const closed = closesAt <= now;
    if (!closed && (earlyBlocks === 0 || blocks < earlyBlocks)) {
      nextCheck = Math.min(nextCheck ?? Infinity, closesAt);
      continue;
    }
    // Fresh blocks always (their frames are only lightly compressed); compacted ones if small.
    const small = store.manifest.inWindow(window, window + windowMs).filter((b) => b.level === 0 || b.bytes < TARGET_BLOCK_BYTES);
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
  // Every input whole (one GET each); its trace index comes from its own search section.
  const segments = new Map<string, Segment[]>();
  const frames = new Map<string, { bytes: Uint8Array; users: number; decoded?: Uint8Array }>();
  /** Traces in output order: by their first service, so a frame holds alike traces (they compress better together). */
  const order: Array<{ traceId: string; service: string }> = [];
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
    const text = new TextDecoder().decode(gunzipSync(body.subarray(footer.search.at, footer.search.at + footer.search.length)));
    const { traceIndex, operations, search } = splitSearchSection(text);
    const index = decodeBlockEntries(traceIndex, operations, search, null, false);
    for (const trace of index.traces) {
      const { traceId, place } = trace;
      const frame = `${input.key}@${place.at}`;
      const known = frames.get(frame);
      if (known) known.users++;
      else frames.set(frame, { bytes: body.subarray(place.at, place.at + place.length), users: 1 });
      let list = segments.get(traceId);
      if (!list) {
        segments.set(traceId, (list = []));
        const first = trace.ops[0];
        const service = first === undefined ? "" : (index.operations[first < 0 ? -first - 1 : first]?.service ?? "");
        order.push({ traceId, service });
      }
      list.push({ frame, innerAt: place.innerAt, innerLength: place.innerLength });
    }
  }
  if (present.length === 0) return { inputs: 0, outputs: 0, bytesRead, bytesWritten: 0 };
  order.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));

  /** A segment's bytes: its frame decoded once, and let go once its last trace is written. */
  const bytesOf = (segment: Segment): Uint8Array | null => {
    const frame = frames.get(segment.frame);
    if (!frame) return null;
    if (!frame.decoded) {
      try {
        frame.decoded = decodeFrame(frame.bytes);
      } catch (error) {
        // Checked at ingest, so storage corruption: logged and dropped, never retried for ever.
        console.error(`compaction: frame ${segment.frame} no longer decodes; dropping its spans`, error);
        frame.decoded = new Uint8Array(0);
      }
    }
    const bytes = frame.decoded.byteLength ? innerBytes(frame.decoded, segment) : null;
    if (--frame.users <= 0) frames.delete(segment.frame);
    return bytes;
  };

  const created = Math.max(...present.map((b) => b.created));
  const outputs: Array<{ id: number; key: string; block: EncodedBlock }> = [];
  let builder = new BlockBuilder(COMPACTED_FRAMES);
  const finishOutput = async () => {
    if (builder.traceCount === 0) return;
    const block = builder.finish();
    builder = new BlockBuilder(COMPACTED_FRAMES);
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
    for (const [i, { traceId }] of order.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      const parts = (segments.get(traceId) as Segment[]).map(bytesOf).filter((p): p is Uint8Array => p !== null);
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
      store.ids.addRun(output.block.members.map((m) => ({ ...m, block: output.id })), created);
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
