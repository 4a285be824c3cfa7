/**
 * Scanning and slicing are how spans are stored: a request cut into per-trace slices must hold
 * exactly the spans of the original, byte for byte, and slices concatenated must decode as one
 * request. The full decoder is the reference.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../test/demo/traffic";
import { mergeTrace } from "../model/batch";
import type { SpanBatch } from "../model/span";
import { decodeProtobufRequest } from "./protobuf-decode";
import { scanExportRequest } from "./protobuf-scan";
import { sliceRequest, spanRefs, type SpanRef } from "./protobuf-slice";

function hotrodRequest(requests: number, seed = 3) {
  const { spans } = collectHotrodSpans({ requests, seed });
  return ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
}

/** Spans flattened with their resource and scope, comparable across batches. */
function flatten(batch: SpanBatch) {
  return batch.spans
    .map((span) => ({ ...span, resource: batch.resources[span.resource], scope: batch.scopes[span.scope] }))
    .sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
}

describe("scanning an OTLP request", () => {
  it("finds every span the full decoder finds, with the same ids, names, times and service", () => {
    const body = hotrodRequest(8);
    const decoded = decodeProtobufRequest(body).batch;
    const scan = scanExportRequest(body);
    expect(scan.spanCount).toBe(decoded.spans.length);
    expect(scan.rejectedSpans).toBe(0);
    const byId = new Map([...spanRefs(scan)].map((ref) => [ref.span.spanId, ref]));
    for (const span of decoded.spans) {
      const ref = byId.get(span.spanId) as SpanRef;
      expect(ref.span).toMatchObject({
        traceId: span.traceId,
        parentSpanId: span.parentSpanId,
        name: span.name,
        kind: span.kind,
        startTimeUnixNano: span.startTimeUnixNano,
        endTimeUnixNano: span.endTimeUnixNano,
        statusCode: span.status.code,
      });
      const service = decoded.resources[span.resource]?.attributes.find((kv) => kv.key === "service.name")?.value;
      expect(ref.resource.serviceName).toBe(service && "stringValue" in service ? service.stringValue : undefined);
    }
  });
});

describe("slicing a request per trace", () => {
  it("gives each trace exactly its spans, with resources and scopes intact", () => {
    const body = hotrodRequest(6);
    const original = decodeProtobufRequest(body).batch;
    const scan = scanExportRequest(body);
    const byTrace = new Map<string, SpanRef[]>();
    for (const ref of spanRefs(scan)) byTrace.set(ref.span.traceId, [...(byTrace.get(ref.span.traceId) ?? []), ref]);
    expect(byTrace.size).toBeGreaterThan(6);

    let total = 0;
    for (const [traceId, refs] of byTrace) {
      const slice = decodeProtobufRequest(sliceRequest(body, refs)).batch;
      expect(new Set(slice.spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
      expect(flatten(slice)).toEqual(flatten(mergeTrace(traceId, [original])));
      total += slice.spans.length;
    }
    expect(total).toBe(original.spans.length);
  });

  it("makes slices whose concatenation is one valid request holding all of them", () => {
    const body = hotrodRequest(3);
    const refs = [...spanRefs(scanExportRequest(body))];
    const half = Math.floor(refs.length / 2);
    const first = sliceRequest(body, refs.slice(0, half));
    const second = sliceRequest(body, refs.slice(half));
    const joined = new Uint8Array(first.length + second.length);
    joined.set(first);
    joined.set(second, first.length);
    expect(flatten(decodeProtobufRequest(joined).batch)).toEqual(flatten(decodeProtobufRequest(body).batch));
  });

  it("counts invalid spans without slicing them", () => {
    const body = hotrodRequest(1);
    const scan = scanExportRequest(body);
    const [first] = spanRefs(scan);
    // Zero the first span's trace id in place: still well-formed protobuf, but an invalid span.
    const broken = body.slice();
    const id = Buffer.from(first?.span.traceId as string, "hex");
    const at = Buffer.from(broken).indexOf(id, first?.span.bytes[0]);
    broken.fill(0, at, at + 16);
    const rescanned = scanExportRequest(broken);
    expect(rescanned.rejectedSpans).toBe(1);
    expect(rescanned.spanCount).toBe(scan.spanCount - 1);
    expect(rescanned.errorMessage).toMatch(/traceId must not be all zeros/);
  });
});
