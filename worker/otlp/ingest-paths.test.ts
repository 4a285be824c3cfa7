/**
 * The decoders as ingest uses them. Protobuf bodies are only scanned (`scanExportRequest`) and
 * stored as byte slices of what the exporter sent (`sliceRequest`); JSON bodies are decoded and
 * re-encoded (`encodeExportRequest`) first. The full decoder reads the stored bytes back when a
 * trace is viewed. So:
 *
 *   protobuf body ──scan──► slices ──(stored)──► decodeProtobufRequest ──► trace
 *   JSON body ──decodeJsonRequest──► batch ──encodeExportRequest──┘
 *
 * Two properties keep that honest: whatever the scan accepts, the full decoder must read back, with
 * the same spans (else a stored trace could never be shown); and a span must come out of either path
 * as the direct decode of its request says.
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { beforeAll, describe, expect, it } from "vitest";
import type { SpanBatch } from "../model/span";
import { coverageSpans, encodeProtobuf, makeRequest, makeSpan, prng, ProtoWriter, spanMessage, type JsonObject } from "../../test/support/otlp-fixtures";
import { UndecodableBody } from "./decoded";
import { decodeJsonRequest } from "./json-decode";
import { decodeProtobufRequest } from "./protobuf-decode";
import { encodeExportRequest } from "./protobuf-encode";
import { scanExportRequest, type ScannedRequest } from "./protobuf-scan";
import { sliceRequest, spanRefs } from "./protobuf-slice";

/** Spans with resource and scope inlined, by span id: the same trace whatever the grouping. */
function inline(batch: SpanBatch) {
  return batch.spans
    .map(({ resource, scope, ...span }) => ({ span, resource: batch.resources[resource], scope: batch.scopes[scope] }))
    .sort((a, b) => (a.span.spanId < b.span.spanId ? -1 : 1));
}

/** What ingest stores for a protobuf body: every kept span, sliced out of the original bytes. */
function stored(scan: ScannedRequest): Uint8Array {
  return sliceRequest(scan.body, [...spanRefs(scan)]);
}

function scan(body: Uint8Array): ScannedRequest | UndecodableBody {
  try {
    return scanExportRequest(body);
  } catch (error) {
    if (error instanceof UndecodableBody) return error;
    throw new Error(`scanning ${body.length} bytes [${Array.from(body.subarray(0, 48)).join(",")}…] threw ${String(error)}`, { cause: error });
  }
}

/** The JSON path end to end: decode, re-encode, scan, slice, read back. */
function throughJsonPath(text: string): SpanBatch {
  const decoded = decodeJsonRequest(text);
  const scanned = scanExportRequest(encodeExportRequest(decoded.batch));
  expect(scanned.spanCount).toBe(decoded.batch.spans.length);
  expect(scanned.rejectedSpans).toBe(0); // the JSON decoder already dropped the invalid ones
  return decodeProtobufRequest(stored(scanned)).batch;
}

describe("protobuf path: scan, slice, read back", () => {
  it("reads back every SDK span exactly as a direct decode of the request", async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await coverageSpans()) as Uint8Array;
    const scanned = scanExportRequest(body);
    expect(scanned.rejectedSpans).toBe(0);
    expect(inline(decodeProtobufRequest(stored(scanned)).batch)).toStrictEqual(inline(decodeProtobufRequest(body).batch));
  });

  it("rejects the same spans, with the same message, as the full decoder", () => {
    const spans = [
      makeSpan({ traceId: "0".repeat(32) }),
      makeSpan(),
      makeSpan({ spanId: "0102030405" }),
      makeSpan({ startTimeUnixNano: "1700000000000000009", endTimeUnixNano: "1700000000000000001" }),
      makeSpan({ endTimeUnixNano: undefined }),
      makeSpan({ parentSpanId: "01".repeat(4) }),
    ];
    const body = encodeProtobuf(makeRequest(spans));
    const scanned = scanExportRequest(body);
    const decoded = decodeProtobufRequest(body);
    expect(scanned.rejectedSpans).toBe(decoded.rejectedSpans);
    expect(scanned.errorMessage).toBe(decoded.errorMessage);
    expect([...spanRefs(scanned)].map((r) => r.span.spanId)).toEqual(decoded.batch.spans.map((s) => s.spanId));
  });
});

describe("JSON path: decode, re-encode, scan, slice, read back", () => {
  it("stores SDK JSON spans as the JSON decoder read them", async () => {
    const text = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(await coverageSpans()));
    expect(inline(throughJsonPath(text))).toStrictEqual(inline(decodeJsonRequest(text).batch));
  });

  it("stores hand-built edge values (int64 extremes, bytes, empty values, dropped counts) unchanged", () => {
    const request: JsonObject = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "edge" } }], droppedAttributesCount: 1 },
          schemaUrl: "https://example.com/r",
          scopeSpans: [
            {
              scope: { name: "s", version: "1", attributes: [{ key: "a", value: { intValue: "-9223372036854775808" } }], droppedAttributesCount: 2 },
              schemaUrl: "https://example.com/s",
              spans: [
                makeSpan({
                  kind: 0,
                  traceState: "t=1",
                  flags: 769,
                  startTimeUnixNano: "18446744073709551614",
                  endTimeUnixNano: "18446744073709551615",
                  droppedAttributesCount: 3,
                  droppedEventsCount: 4,
                  droppedLinksCount: 5,
                  attributes: [
                    { key: "max", value: { intValue: "9223372036854775807" } },
                    { key: "2^53+1", value: { intValue: "9007199254740993" } },
                    { key: "neg", value: { intValue: "-1" } },
                    { key: "nan", value: { doubleValue: "NaN" } },
                    { key: "bytes", value: { bytesValue: "AAEC/w==" } },
                    { key: "empty", value: {} },
                    { key: "", value: { stringValue: "" } },
                    { key: "kv", value: { kvlistValue: { values: [{ key: "x", value: { arrayValue: { values: [{ boolValue: false }, {}] } } }] } } },
                  ],
                  events: [{ timeUnixNano: "1", name: "", droppedAttributesCount: 6 }],
                  links: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", traceState: "l", flags: 1, droppedAttributesCount: 7 }],
                  status: { code: 0, message: "unset but explained" },
                }),
              ],
            },
          ],
        },
      ],
    };
    const text = JSON.stringify(request);
    expect(inline(throughJsonPath(text))).toStrictEqual(inline(decodeJsonRequest(text).batch));
  });
});

describe("bodies the full decoder refuses", () => {
  /** A one-span request whose span ends with `extra` bytes. */
  function withSpanSuffix(extra: ProtoWriter): Uint8Array {
    const span = new ProtoWriter().raw(spanMessage(makeSpan()).finish()).raw(extra.finish());
    return new ProtoWriter().field(1, new ProtoWriter().field(2, new ProtoWriter().field(2, span))).finish();
  }
  const elevenByteVarint = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

  // The scan once skipped varints with protobufjs's unbounded skip() and so stored spans the full
  // decoder could never read back; both now share worker/otlp/wire.ts.
  it.each([
    ["an int attribute", new ProtoWriter().field(9, new ProtoWriter().field(1, "n").field(2, new ProtoWriter().tag(3, 0).raw(elevenByteVarint)))],
    ["dropped_attributes_count", new ProtoWriter().tag(10, 0).raw(elevenByteVarint)],
  ])("refuses at scan a varint longer than 10 bytes in %s, as the full decoder does", (_, extra) => {
    const body = withSpanSuffix(extra);
    expect(() => decodeProtobufRequest(body)).toThrow(UndecodableBody);
    expect(() => scanExportRequest(body)).toThrow(UndecodableBody);
  });
});

describe("scan fuzz", () => {
  let seeds: Uint8Array[];

  beforeAll(async () => {
    seeds = [
      ProtobufTraceSerializer.serializeRequest(await coverageSpans()) as Uint8Array,
      encodeProtobuf(makeRequest([makeSpan({ attributes: [{ key: "k", value: { arrayValue: { values: [{ intValue: "-1" }, { kvlistValue: { values: [{ key: "n", value: { bytesValue: "AQ==" } }] } }] } } }] }), makeSpan({ traceId: "0".repeat(32) })])),
    ];
  });

  function mutate(body: Uint8Array, random: () => number): Uint8Array {
    const bytes = Array.from(body);
    for (let e = 1 + Math.floor(random() * 3); e > 0; e--) {
      const at = Math.floor(random() * bytes.length);
      const r = random();
      if (r < 0.4) bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(random() * 8));
      else if (r < 0.6) bytes[at] = [0x00, 0x80, 0xff, 0x08, 0x0a, 0x12][Math.floor(random() * 6)] as number;
      else if (r < 0.8) bytes.splice(at, 0, Math.floor(random() * 256));
      else bytes.splice(at, 1 + Math.floor(random() * 4));
    }
    return Uint8Array.from(bytes);
  }

  it("reads back whatever the scan accepted, with the same spans, for 2,000 mutated bodies", () => {
    const random = prng(31337);
    const failures: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 2_000; i++) {
      const body = mutate(seeds[i % seeds.length] as Uint8Array, random);
      const scanned = scan(body);
      if (scanned instanceof UndecodableBody) continue;
      accepted++;
      const kept = [...spanRefs(scanned)].map((r) => r.span.spanId);
      try {
        const readBack = decodeProtobufRequest(stored(scanned));
        expect(readBack.batch.spans.map((s) => s.spanId)).toEqual(kept);
        expect(readBack.rejectedSpans).toBe(0);
      } catch (error) {
        failures.push(`[${Array.from(body).join(",")}]: ${String(error)}`);
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
