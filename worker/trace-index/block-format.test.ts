import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../test/demo/traffic";
import { scanExportRequest } from "../otlp/protobuf-scan";
import { sliceRequest, spanRefs, type SpanRef } from "../otlp/protobuf-slice";
import { ARCHIVE_FRAME, COMPACTED_FRAMES, decodeFrame, encodeBlock, FLUSH_FRAMES, innerBytes, readFooter, splitSearchSection, type BlockTrace, type FrameCodec } from "./block-format";
import { recordPlace, RECORD } from "./block-entries";
import { digestOtlp } from "./digest";

/** HotROD traces, one slice each, as a flush would hand them over. */
function hotrodTraces(seed: number): BlockTrace[] {
  const { spans } = collectHotrodSpans({ spanCount: 512, seed });
  const body = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
  const byTrace = new Map<string, SpanRef[]>();
  for (const ref of spanRefs(scanExportRequest(body))) byTrace.set(ref.span.traceId, [...(byTrace.get(ref.span.traceId) ?? []), ref]);
  return [...byTrace].map(([traceId, refs]) => {
    const bytes = sliceRequest(body, refs);
    return { traceId, bytes, digest: digestOtlp(traceId, bytes) };
  });
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("a block object", () => {
  const traces = Array.from({ length: 6 }, (_, i) => hotrodTraces(i + 1)).flat();
  const spans = 6 * 512;

  it.each([FLUSH_FRAMES, COMPACTED_FRAMES, ARCHIVE_FRAME] as FrameCodec[])("gives back every trace's exact bytes from its frame (%o)", (codec) => {
    const block = encodeBlock(traces, codec);
    const layout = readFooter(block.body);
    expect(layout).not.toBeNull();
    block.members.forEach((member, i) => {
      const frame = decodeFrame(block.body.subarray(member.at, member.at + member.length));
      expect(same(innerBytes(frame, member), traces[i]?.bytes as Uint8Array)).toBe(true);
    });
    // The search section names every trace where it lies.
    const search = layout?.search as { at: number; length: number };
    const { traceIndex } = splitSearchSection(new TextDecoder().decode(gunzipSync(block.body.subarray(search.at, search.at + search.length))));
    expect(traceIndex.length).toBe(RECORD * traces.length);
    expect(recordPlace(traceIndex, RECORD)).toEqual(block.members[1]);
    expect(block.summary.traceCount).toBe(traces.length);
    expect(block.summary.spanCount).toBe(spans);
  });

  it("shares frames between consecutive traces, and stores HotROD spans in under 60 bytes each once compacted", () => {
    const flushed = encodeBlock(traces, FLUSH_FRAMES);
    const compacted = encodeBlock(traces, COMPACTED_FRAMES);
    const frames = (members: Array<{ at: number }>) => new Set(members.map((m) => m.at)).size;
    expect(frames(flushed.members)).toBeGreaterThan(1);
    expect(frames(flushed.members)).toBeLessThan(traces.length / 3);
    expect(frames(compacted.members)).toBeLessThan(frames(flushed.members));
    const frameBytes = (block: typeof flushed) => [...new Map(block.members.map((m) => [m.at, m.length])).values()].reduce((n, l) => n + l, 0);
    expect(frameBytes(flushed) / spans).toBeLessThan(100);
    expect(frameBytes(compacted) / spans).toBeLessThan(60);
  });

  it("refuses bytes that are not a frame, or not a block", () => {
    expect(() => decodeFrame(new Uint8Array([0x0a, 1, 2]))).toThrow(/not a frame/);
    const block = encodeBlock(traces.slice(0, 2), FLUSH_FRAMES);
    expect(readFooter(new Uint8Array(100))).toBeNull();
    expect(readFooter(block.body.subarray(0, block.body.byteLength - 1))).toBeNull();
  });
});
