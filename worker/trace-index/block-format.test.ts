import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../test/demo/traffic";
import { scanExportRequest } from "../otlp/protobuf-scan";
import { sliceRequest, spanRefs, type SpanRef } from "../otlp/protobuf-slice";
import { decodeMember, encodeBlock, FRAMES, readFooter, sampleDictionary, splitSearchSection, type BlockTrace, type MemberCodec } from "./block-format";
import { digestOtlp } from "./digest";
import { gunzipSync } from "node:zlib";

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

describe("a block object", () => {
  const traces = [...hotrodTraces(1), ...hotrodTraces(2), ...hotrodTraces(3)];
  const dictionary = sampleDictionary(traces.map((t) => t.bytes));
  const codecs: MemberCodec[] = [{ kind: "raw" }, { kind: "gzip", level: 6 }, { kind: "zlib", level: 6, dictionary }];

  it.each(codecs)("gives back every trace's exact bytes from its member ($kind)", (codec) => {
    const block = encodeBlock(traces, codec);
    const layout = readFooter(block.body);
    expect(layout).not.toBeNull();
    const dict = layout?.dictionary ? block.body.subarray(layout.dictionary.at, layout.dictionary.at + layout.dictionary.length) : null;
    expect(dict === null).toBe(codec.kind !== "zlib");
    block.members.forEach((member, i) => {
      expect(Buffer.from(decodeMember(block.body.subarray(member.at, member.at + member.length), dict)).equals(Buffer.from(traces[i]?.bytes as Uint8Array))).toBe(true);
    });
    // The search section names every member where it lies.
    const search = layout?.search as { at: number; length: number };
    const { traceIndex } = splitSearchSection(new TextDecoder().decode(gunzipSync(block.body.subarray(search.at, search.at + search.length))));
    expect(traceIndex.length).toBe(48 * traces.length);
    expect(traceIndex.slice(0, 32)).toBe(traces[0]?.traceId);
    expect(block.summary.traceCount).toBe(traces.length);
    expect(block.summary.spanCount).toBe(3 * 512);
  });

  it("puts consecutive traces in shared frames whose bytes hold each trace's spans", () => {
    const block = encodeBlock(traces, FRAMES);
    const frames = new Set(block.members.map((m) => m.at));
    expect(frames.size).toBeGreaterThan(1);
    expect(frames.size).toBeLessThan(traces.length / 2);
    block.members.forEach((member, i) => {
      const bytes = decodeMember(block.body.subarray(member.at, member.at + member.length));
      const mine = [...spanRefs(scanExportRequest(bytes))].filter((ref) => ref.span.traceId === traces[i]?.traceId);
      expect(mine.length).toBe(traces[i]?.digest.spanCount);
    });
    // A sixth of the raw bytes, about.
    expect(block.members.length && [...frames].length).toBeGreaterThan(0);
    expect(new Set(block.members.map((m) => `${m.at}:${m.length}`)).size).toBe(frames.size);
    const stored = [...new Map(block.members.map((m) => [m.at, m.length])).values()].reduce((n, l) => n + l, 0);
    expect(stored).toBeLessThan(block.summary.rawBytes / 4);
  });

  it("compresses members with the block's dictionary at least a third smaller than gzip alone (HotROD)", () => {
    const size = (codec: MemberCodec) => encodeBlock(traces, codec).members.reduce((n, m) => n + m.length, 0);
    expect(size({ kind: "zlib", level: 6, dictionary })).toBeLessThan(size({ kind: "gzip", level: 6 }) * (2 / 3));
  });

  it("refuses to decode a dictionary member without its dictionary, and rejects bytes that are not a block", () => {
    const block = encodeBlock(traces.slice(0, 2), { kind: "zlib", level: 1, dictionary });
    const first = block.members[0] as { at: number; length: number };
    expect(() => decodeMember(block.body.subarray(first.at, first.at + first.length))).toThrow(/dictionary/);
    expect(readFooter(new Uint8Array(100))).toBeNull();
    expect(readFooter(block.body.subarray(0, block.body.byteLength - 1))).toBeNull();
  });
});
