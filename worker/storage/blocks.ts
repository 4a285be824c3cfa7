/**
 * Completed traces live in R2 in blocks: one object per flush of a trace-assembly Durable Object,
 * holding many traces, each its own gzip member. One PUT per block instead of one per trace keeps
 * R2 writes (class A, $4.50 per million) off the per-trace bill; a trace is read back alone with a
 * ranged GET of its member, whose place the D1 summary row records.
 */
import type { Trace } from "../model/span";

export interface StoredTrace {
  traceId: string;
  offset: number;
  length: number;
}

export function blockKey(tenantId: string, shard: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10);
  const unique = crypto.randomUUID().slice(0, 8);
  return `${tenantId}/blocks/${day}/${shard}-${now.getTime()}-${unique}.json.gz`;
}

/** Writes `traces` as one block object; returns where each trace landed in it. */
export async function writeBlock(bucket: R2Bucket, key: string, traces: Trace[]): Promise<StoredTrace[]> {
  const members = await Promise.all(traces.map((trace) => gzip(JSON.stringify(trace))));
  const placed: StoredTrace[] = [];
  let offset = 0;
  for (const [i, member] of members.entries()) {
    placed.push({ traceId: (traces[i] as Trace).traceId, offset, length: member.byteLength });
    offset += member.byteLength;
  }
  const block = new Uint8Array(offset);
  for (const [i, member] of members.entries()) block.set(member, (placed[i] as StoredTrace).offset);
  await bucket.put(key, block, { httpMetadata: { contentType: "application/octet-stream" } });
  return placed;
}

/** Reads one trace back from its block, or null if the block is gone (e.g. past retention). */
export async function readBlockTrace(bucket: R2Bucket, key: string, offset: number, length: number): Promise<Trace | null> {
  const object = await bucket.get(key, { range: { offset, length } });
  if (!object) return null;
  const text = await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
  return JSON.parse(text) as Trace;
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
