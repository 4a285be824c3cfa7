/**
 * Both OTLP decoders against each other and against the OpenTelemetry JS SDK: the same spans,
 * serialised by the SDK as protobuf and as JSON, must decode to the same batch, and that batch must
 * hold what the SDK spans held, field by field. Hand-built requests cover what the SDK cannot send.
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { beforeAll, describe, expect, it } from "vitest";
import type { SpanBatch } from "../model/span";
import {
  coverageSpans,
  encodeProtobuf,
  expectedFromSdk,
  makeRequest,
  makeSpan,
  type ExpectedSpan,
  type JsonObject,
} from "../../test/support/otlp-fixtures";
import type { DecodedRequest } from "./decoded";
import { decodeJsonRequest } from "./json-decode";
import { decodeProtobufRequest } from "./protobuf-decode";

const bySpanId = (a: ExpectedSpan, b: ExpectedSpan) => (String(a.span.spanId) < String(b.span.spanId) ? -1 : 1);

/** Spans with their resource and scope inlined, ordered by span id: comparable across batches. */
function inline(batch: SpanBatch): ExpectedSpan[] {
  return batch.spans
    .map(({ resource, scope, ...span }) => ({ span: { ...span }, resource: { ...batch.resources[resource] }, scope: { ...batch.scopes[scope] } }))
    .sort(bySpanId);
}

function serialise(spans: ReadableSpan[]) {
  const protobuf = ProtobufTraceSerializer.serializeRequest(spans);
  const json = JsonTraceSerializer.serializeRequest(spans);
  if (!protobuf || !json) throw new Error("the SDK serialisers returned nothing");
  return { protobuf, json: new TextDecoder().decode(json) };
}

/** Decodes one hand-built request in both encodings. */
function decodeBoth(request: JsonObject): { protobuf: DecodedRequest; json: DecodedRequest } {
  return { protobuf: decodeProtobufRequest(encodeProtobuf(request)), json: decodeJsonRequest(JSON.stringify(request)) };
}

describe("SDK round trip", () => {
  let spans: ReadableSpan[];
  let protobuf: DecodedRequest;
  let json: DecodedRequest;

  beforeAll(async () => {
    spans = await coverageSpans();
    const bodies = serialise(spans);
    protobuf = decodeProtobufRequest(bodies.protobuf);
    json = decodeJsonRequest(bodies.json);
  });

  it("keeps every span the SDK exported, rejecting none", () => {
    expect(spans.length).toBe(6);
    expect(protobuf.rejectedSpans).toBe(0);
    expect(protobuf.errorMessage).toBe("");
    expect(json.rejectedSpans).toBe(0);
    expect(protobuf.batch.spans).toHaveLength(spans.length);
    expect(json.batch.spans).toHaveLength(spans.length);
  });

  it("decodes the protobuf and the JSON encoding of the same spans to the same batch", () => {
    // Strict: an `undefined` key or a zero count set by one decoder and not the other is a difference
    // (it changes how resources are keyed when batches merge).
    expect(protobuf.batch).toStrictEqual(json.batch);
  });

  it("holds what the SDK spans held, field by field, in both encodings", () => {
    const expected = spans.map(expectedFromSdk).sort(bySpanId);
    expect(inline(protobuf.batch)).toStrictEqual(expected);
    expect(inline(json.batch)).toStrictEqual(expected);
  });

  it("stores each resource and scope once, however many spans point at them", () => {
    expect(protobuf.batch.resources).toHaveLength(2);
    expect(protobuf.batch.scopes).toHaveLength(3);
  });

  it("keeps nanosecond timestamps exact past 2^53", () => {
    const root = protobuf.batch.spans.find((s) => s.name === "GET /checkout");
    expect(root?.startTimeUnixNano).toBe("1700000000123456789");
    expect(root?.endTimeUnixNano).toBe("1700000002999999999");
  });

  it("reads an integer attribute past 2^53 that the SDK's JSON exporter wrote as a JSON number", () => {
    for (const decoded of [protobuf, json]) {
      const root = decoded.batch.spans.find((s) => s.name === "GET /checkout");
      expect(root?.attributes.find((kv) => kv.key === "int.big")?.value).toEqual({ intValue: "1152921504606846976" });
    }
  });

  it("keeps a span with a NaN attribute, which the SDK's JSON exporter writes as null", async () => {
    // The same span with other attributes: a prototype keeps the SDK span's methods.
    const span = Object.create(spans[0] as object, { attributes: { value: { nan: NaN, inf: -Infinity } } }) as ReadableSpan;
    const { protobuf: pb, json: js } = serialise([span]);
    const fromProtobuf = decodeProtobufRequest(pb);
    const fromJson = decodeJsonRequest(js);
    expect(fromProtobuf.batch.spans[0]?.attributes).toEqual([
      { key: "nan", value: { doubleValue: NaN } },
      { key: "inf", value: { doubleValue: -Infinity } },
    ]);
    // JSON.stringify turned the values into null: proto3 JSON reads null as "not set".
    expect(fromJson.rejectedSpans).toBe(0);
    expect(fromJson.batch.spans[0]?.attributes).toEqual([
      { key: "nan", value: {} },
      { key: "inf", value: {} },
    ]);
  });
});

describe("hand-built requests, decoded from both encodings", () => {
  const int64s = ["0", "1", "-1", "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808"];

  it("keeps int64 attribute values exact, beyond 2^53 and negative", () => {
    const request = makeRequest([makeSpan({ attributes: int64s.map((v, i) => ({ key: `i${i}`, value: { intValue: v } })) })]);
    const { protobuf, json } = decodeBoth(request);
    for (const decoded of [protobuf, json]) {
      expect(decoded.rejectedSpans).toBe(0);
      expect(decoded.batch.spans[0]?.attributes.map((kv) => kv.value)).toEqual(int64s.map((intValue) => ({ intValue })));
    }
  });

  it("reads JSON int64s given as numbers, and normalises leading zeros and -0", () => {
    const span = makeSpan({
      startTimeUnixNano: 1_700_000_000_000_000_000,
      endTimeUnixNano: "01700000000000000001",
      attributes: [
        { key: "n", value: { intValue: -12 } },
        { key: "z", value: { intValue: "-0" } },
        { key: "p", value: { intValue: "007" } },
      ],
    });
    const decoded = decodeJsonRequest(JSON.stringify(makeRequest([span])));
    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.batch.spans[0]).toMatchObject({ startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000000000001" });
    expect(decoded.batch.spans[0]?.attributes.map((kv) => kv.value)).toEqual([{ intValue: "-12" }, { intValue: "0" }, { intValue: "7" }]);
  });

  it("keeps timestamps up to the largest fixed64", () => {
    const request = makeRequest([makeSpan({ startTimeUnixNano: "18446744073709551614", endTimeUnixNano: "18446744073709551615" })]);
    const { protobuf, json } = decodeBoth(request);
    expect(protobuf.batch.spans[0]?.endTimeUnixNano).toBe("18446744073709551615");
    expect(json.batch).toStrictEqual(protobuf.batch);
  });

  it("decodes scope attributes, dropped counts, schema URLs, UNSPECIFIED kind and empty values alike", () => {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "a" } }], droppedAttributesCount: 2 },
          schemaUrl: "https://example.com/resource",
          scopeSpans: [
            {
              scope: { name: "lib", version: "9.9", attributes: [{ key: "scope.attr", value: { boolValue: true } }], droppedAttributesCount: 1 },
              schemaUrl: "https://example.com/scope",
              spans: [
                makeSpan({
                  kind: 0,
                  traceState: "k=v",
                  flags: 1,
                  parentSpanId: "0000000000000000", // OTLP: all zeros is no parent
                  droppedAttributesCount: 3,
                  droppedEventsCount: 4,
                  droppedLinksCount: 5,
                  attributes: [
                    { key: "empty", value: {} },
                    { key: "no value" },
                    { key: "bytes", value: { bytesValue: "AAEC/w==" } },
                    { key: "empty array", value: { arrayValue: {} } },
                    { key: "empty map", value: { kvlistValue: { values: [] } } },
                  ],
                  events: [{ timeUnixNano: "1700000000100000000", name: "e", droppedAttributesCount: 6 }],
                  links: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", traceState: "l=1", flags: 257, droppedAttributesCount: 7 }],
                  status: { code: 2, message: "bad" },
                }),
              ],
            },
            // A scope with no spans at all, then one with no scope message.
            { scope: { name: "idle" }, spans: [] },
            { spans: [makeSpan({ kind: 5, status: { code: 1 } })] },
          ],
        },
        // A resource with no resource message and no spans.
        { scopeSpans: [] },
      ],
    };
    const { protobuf, json } = decodeBoth(request);
    expect(protobuf.rejectedSpans).toBe(0);
    expect(protobuf.batch).toStrictEqual(json.batch);
    const [span, second] = protobuf.batch.spans;
    expect(protobuf.batch.resources[span?.resource ?? -1]).toEqual({
      attributes: [{ key: "service.name", value: { stringValue: "a" } }],
      droppedAttributesCount: 2,
      schemaUrl: "https://example.com/resource",
    });
    expect(protobuf.batch.scopes[span?.scope ?? -1]).toEqual({
      name: "lib",
      version: "9.9",
      attributes: [{ key: "scope.attr", value: { boolValue: true } }],
      droppedAttributesCount: 1,
      schemaUrl: "https://example.com/scope",
    });
    expect(protobuf.batch.scopes[second?.scope ?? -1]).toEqual({ name: "" });
    expect(span).toMatchObject({
      kind: 0,
      traceState: "k=v",
      flags: 1,
      parentSpanId: "",
      droppedAttributesCount: 3,
      droppedEventsCount: 4,
      droppedLinksCount: 5,
      status: { code: 2, message: "bad" },
      events: [{ timeUnixNano: "1700000000100000000", name: "e", attributes: [], droppedAttributesCount: 6 }],
      links: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", traceState: "l=1", flags: 257, droppedAttributesCount: 7, attributes: [] }],
    });
    expect(span?.attributes).toEqual([
      { key: "empty", value: {} },
      { key: "no value", value: {} },
      { key: "bytes", value: { bytesValue: "AAEC/w==" } },
      { key: "empty array", value: { arrayValue: { values: [] } } },
      { key: "empty map", value: { kvlistValue: { values: [] } } },
    ]);
    expect(second).toMatchObject({ kind: 5, status: { code: 1 } });
  });

  it("reads a kind or status code from a newer OTLP as unspecified rather than dropping the span", () => {
    const { protobuf, json } = decodeBoth(makeRequest([makeSpan({ kind: 9, status: { code: 7 } })]));
    for (const decoded of [protobuf, json]) expect(decoded.batch.spans[0]).toMatchObject({ kind: 0, status: { code: 0 } });
  });

  it("accepts the enum names in JSON as well as their numbers", () => {
    const decoded = decodeJsonRequest(JSON.stringify(makeRequest([makeSpan({ kind: "SPAN_KIND_CLIENT", status: { code: "STATUS_CODE_ERROR" } })])));
    expect(decoded.batch.spans[0]).toMatchObject({ kind: 3, status: { code: 2 } });
  });

  it("reads JSON ids in any case as lowercase hex", () => {
    const decoded = decodeJsonRequest(
      JSON.stringify(makeRequest([makeSpan({ traceId: "5B8EFFF798038103D269B633813FC60C", spanId: "EEE19B7EC3C1B174", parentSpanId: "ABCDEF0123456789" })])),
    );
    expect(decoded.batch.spans[0]).toMatchObject({ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", parentSpanId: "abcdef0123456789" });
  });

  it("ignores unknown JSON fields and unknown protobuf fields of every wire type", () => {
    const span = makeSpan({ futureField: { nested: [1, 2] }, attributes: [{ key: "a", value: { stringValue: "x", futureValue: 1 } }] });
    const json = decodeJsonRequest(JSON.stringify({ ...makeRequest([span]), extra: "ignored" }));
    expect(json.rejectedSpans).toBe(0);
    expect(json.batch.spans[0]?.attributes).toEqual([{ key: "a", value: { stringValue: "x" } }]);

    // Field 99 as varint, fixed64, length-delimited and fixed32, in front of the real request.
    const unknown = Uint8Array.from([0x98, 0x06, 0x01, 0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x9a, 0x06, 0x02, 0xaa, 0xbb, 0x9d, 0x06, 1, 2, 3, 4]);
    const body = encodeProtobuf(makeRequest([makeSpan()]));
    const protobuf = decodeProtobufRequest(new Uint8Array([...unknown, ...body]));
    expect(protobuf.batch.spans).toHaveLength(1);
  });

  it("canonicalises JSON bytes values (URL-safe alphabet, missing padding) to standard base64", () => {
    const decoded = decodeJsonRequest(JSON.stringify(makeRequest([makeSpan({ attributes: [{ key: "b", value: { bytesValue: "-_8" } }] })])));
    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.batch.spans[0]?.attributes[0]?.value).toEqual({ bytesValue: "+/8=" });
  });
});

describe("partial success: invalid spans are rejected, counted and named, in both encodings", () => {
  // [what is wrong, the span override, the problem reported]
  const cases: Array<[string, JsonObject, string]> = [
    ["an all-zero trace id", { traceId: "0".repeat(32) }, "traceId must not be all zeros"],
    ["a 5-byte trace id", { traceId: "0102030405" }, "traceId must be 16 bytes (32 hex digits), got 5 bytes"],
    ["no trace id", { traceId: undefined }, "traceId must be 16 bytes (32 hex digits), got 0 bytes"],
    ["a 5-byte span id", { spanId: "0102030405" }, "spanId must be 8 bytes (16 hex digits), got 5 bytes"],
    ["an all-zero span id", { spanId: "0".repeat(16) }, "spanId must not be all zeros"],
    ["a 16-byte parent span id", { parentSpanId: "01".repeat(16) }, "parentSpanId must be empty or 8 bytes (16 hex digits), got 16 bytes"],
    ["an end before its start", { startTimeUnixNano: "1700000000000000001", endTimeUnixNano: "1700000000000000000" }, "endTimeUnixNano must not be before startTimeUnixNano"],
    ["an end a digit shorter than its start", { startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "999999999999999999" }, "endTimeUnixNano must not be before startTimeUnixNano"],
    ["no start time", { startTimeUnixNano: undefined }, "startTimeUnixNano must be set"],
    ["no end time", { endTimeUnixNano: undefined }, "endTimeUnixNano must be set"],
  ];

  it.each(cases)("rejects a span with %s, keeping the others", (_, override, problem) => {
    const good = [makeSpan(), makeSpan()];
    const request = makeRequest([good[0] as JsonObject, makeSpan(override), good[1] as JsonObject]);
    const { protobuf, json } = decodeBoth(request);
    for (const decoded of [protobuf, json]) {
      expect(decoded.rejectedSpans).toBe(1);
      expect(decoded.batch.spans.map((s) => s.spanId)).toEqual(good.map((s) => s.spanId));
      expect(decoded.errorMessage).toMatch(/^1 spans rejected: /);
      expect(decoded.errorMessage).toContain(problem);
    }
  });

  it("counts every rejected span and summarises repeated problems", () => {
    const spans = [
      ...Array.from({ length: 3 }, () => makeSpan({ traceId: "0".repeat(32) })),
      makeSpan(),
      makeSpan({ startTimeUnixNano: undefined }),
    ];
    const { protobuf, json } = decodeBoth(makeRequest(spans));
    expect(protobuf.rejectedSpans).toBe(4);
    expect(protobuf.batch.spans).toHaveLength(1);
    expect(protobuf.errorMessage).toBe("4 spans rejected: traceId must not be all zeros (3 spans); startTimeUnixNano must be set");
    expect(json.errorMessage).toBe(protobuf.errorMessage);
  });

  it("names at most five problems, saying how many more there were", () => {
    const spans = Array.from({ length: 8 }, (_, i) => makeSpan({ spanId: "01".repeat(i + 1) }));
    const { protobuf } = decodeBoth(makeRequest(spans));
    expect(protobuf.rejectedSpans).toBe(7); // 8 bytes is the one valid length
    expect(protobuf.errorMessage).toMatch(/^7 spans rejected: (spanId must be 8 bytes \(16 hex digits\), got \d bytes; ){4}spanId must be 8 bytes \(16 hex digits\), got \d bytes; and 2 more problems$/);
  });

  it("rejects every span of a request when all are invalid, with nothing to store", () => {
    const { protobuf, json } = decodeBoth(makeRequest([makeSpan({ spanId: "0".repeat(16) }), makeSpan({ spanId: "0".repeat(16) })]));
    for (const decoded of [protobuf, json]) {
      expect(decoded.batch.spans).toEqual([]);
      expect(decoded.rejectedSpans).toBe(2);
    }
  });

  it("keeps spans whose links have empty or zero ids, which the OTel spec allows", () => {
    const link = { traceId: "0".repeat(32), spanId: "", attributes: [{ key: "why", value: { stringValue: "kept for its attributes" } }] };
    const { protobuf, json } = decodeBoth(makeRequest([makeSpan({ links: [link] })]));
    for (const decoded of [protobuf, json]) {
      expect(decoded.rejectedSpans).toBe(0);
      expect(decoded.batch.spans[0]?.links).toEqual([{ traceId: "0".repeat(32), spanId: "", attributes: link.attributes }]);
    }
  });
});

describe("empty requests", () => {
  it("decodes an empty protobuf body to no spans and no rejections", () => {
    expect(decodeProtobufRequest(new Uint8Array(0))).toEqual({ batch: { resources: [], scopes: [], spans: [] }, rejectedSpans: 0, errorMessage: "" });
  });

  it("decodes {} to no spans and no rejections", () => {
    expect(decodeJsonRequest("{}")).toEqual({ batch: { resources: [], scopes: [], spans: [] }, rejectedSpans: 0, errorMessage: "" });
  });

  it("decodes resourceSpans: [] and null alike", () => {
    expect(decodeJsonRequest('{"resourceSpans":[]}').batch.spans).toEqual([]);
    expect(decodeJsonRequest('{"resourceSpans":null}').batch.spans).toEqual([]);
  });
});
