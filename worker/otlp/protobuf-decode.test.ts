/**
 * The protobuf decoder on bodies no honest exporter sends: cut short, garbage, wrong wire types,
 * nesting bombs, and a seeded mutation fuzz. Every one must end in a batch of valid spans or an
 * UndecodableBody (answered 400) — never another exception, which the route would answer 503 and
 * the client would retry forever.
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { beforeAll, describe, expect, it } from "vitest";
import { anyValue, coverageSpans, encodeProtobuf, makeRequest, makeSpan, nestedArrayValue, prng, ProtoWriter, spanMessage } from "../../test/support/otlp-fixtures";
import { UndecodableBody, type DecodedRequest } from "./decoded";
import { decodeJsonRequest } from "./json-decode";
import { decodeProtobufRequest } from "./protobuf-decode";

/** Decodes, turning "throws UndecodableBody" into a value and letting any other exception fail the test. */
function attempt(body: Uint8Array): DecodedRequest | UndecodableBody {
  try {
    return decodeProtobufRequest(body);
  } catch (error) {
    if (error instanceof UndecodableBody) return error;
    throw new Error(`decoding ${body.length} bytes [${Array.from(body.subarray(0, 64)).join(",")}…] threw ${String(error)}`, { cause: error });
  }
}

/** What every decoded batch must satisfy, whatever bytes it came from. */
function expectWellFormed(decoded: DecodedRequest): void {
  const { batch } = decoded;
  for (const span of batch.spans) {
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.traceId).not.toBe("0".repeat(32));
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.parentSpanId).toMatch(/^(?:[0-9a-f]{16})?$/);
    expect(span.startTimeUnixNano).toMatch(/^[1-9]\d*$/);
    expect(span.endTimeUnixNano).toMatch(/^[1-9]\d*$/);
    expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
    expect(span.kind >= 0 && span.kind <= 5).toBe(true);
    expect(span.status.code >= 0 && span.status.code <= 2).toBe(true);
    expect(batch.resources[span.resource]).toBeDefined();
    expect(batch.scopes[span.scope]).toBeDefined();
  }
  expect(decoded.rejectedSpans > 0).toBe(decoded.errorMessage !== "");
  // The batch goes to storage as JSON: it must survive the trip.
  expect(() => JSON.stringify(batch)).not.toThrow();
}

/** A request of two resources, so a cut between them leaves a valid shorter request. */
function twoResourceBody(): Uint8Array {
  const first = encodeProtobuf(makeRequest([makeSpan({ attributes: [{ key: "k", value: { arrayValue: { values: [{ intValue: "-1" }, { doubleValue: 2.5 }] } } }] })]));
  const second = encodeProtobuf(makeRequest([makeSpan({ events: [{ timeUnixNano: "1700000000100000000", name: "e" }], status: { code: 2, message: "x" } })]));
  return new Uint8Array([...first, ...second]);
}

describe("truncated bodies", () => {
  it("either refuses a body cut at any byte or decodes the whole requests before the cut", () => {
    const body = twoResourceBody();
    const whole = decodeProtobufRequest(body);
    expect(whole.batch.spans).toHaveLength(2);
    let decodedCuts = 0;
    for (let cut = 0; cut < body.length; cut++) {
      const result = attempt(body.subarray(0, cut));
      if (result instanceof UndecodableBody) {
        expect(result.message).toMatch(/protobuf/);
        continue;
      }
      decodedCuts++;
      // Only a cut on a ResourceSpans boundary can decode, and it keeps exactly the spans before it.
      expect(whole.batch.spans.slice(0, result.batch.spans.length)).toEqual(result.batch.spans);
      expect(result.rejectedSpans).toBe(0);
    }
    expect(decodedCuts).toBe(2); // the empty body and the cut between the two resources
  });

  it("refuses an SDK body cut anywhere inside its one ResourceSpans, saying it is truncated", async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await coverageSpans()) as Uint8Array;
    const messages = new Set<string>();
    // Every cut of a real ~3 KB SDK body; the first message spans it all.
    for (let cut = 1; cut < body.length; cut++) {
      const result = attempt(body.subarray(0, cut));
      if (!(result instanceof UndecodableBody)) {
        // A cut can only decode where a whole top-level ResourceSpans ends.
        expectWellFormed(result);
        continue;
      }
      messages.add(result.message.replace(/\d+/g, "N"));
    }
    expect([...messages].some((m) => m.startsWith("truncated protobuf"))).toBe(true);
  });
});

describe("bodies that are not an ExportTraceServiceRequest", () => {
  it("refuses random bytes, or reads them as unknown fields, and never throws anything else", () => {
    const random = prng(7);
    for (let i = 0; i < 500; i++) {
      const body = Uint8Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      const result = attempt(body);
      if (!(result instanceof UndecodableBody)) expectWellFormed(result);
    }
  });

  it("refuses a JSON body sent as protobuf", () => {
    const json = new TextEncoder().encode(JSON.stringify(makeRequest([makeSpan()])));
    expect(attempt(json)).toBeInstanceOf(UndecodableBody);
  });

  it("refuses a known field with the wrong wire type, naming the field", () => {
    // Span.name (field 5) as a varint instead of a string.
    const span = new ProtoWriter().raw(spanMessage(makeSpan()).finish()).tag(5, 0).varint(1);
    const body = new ProtoWriter().field(1, new ProtoWriter().field(2, new ProtoWriter().field(2, span))).finish();
    const result = attempt(body);
    expect(result).toBeInstanceOf(UndecodableBody);
    expect((result as UndecodableBody).message).toBe("invalid protobuf: field 5 has wire type 0, expected 2");
    // resource_spans (field 1) as a fixed32.
    expect((attempt(Uint8Array.from([0x0d, 1, 2, 3, 4])) as UndecodableBody).message).toMatch(/field 1 has wire type 5, expected 2/);
    // start_time_unix_nano (field 7) as a varint.
    const badTime = new ProtoWriter().raw(spanMessage(makeSpan()).finish()).tag(7, 0).varint(5);
    expect(attempt(new ProtoWriter().field(1, new ProtoWriter().field(2, new ProtoWriter().field(2, badTime))).finish())).toBeInstanceOf(UndecodableBody);
  });

  it("refuses a length that runs past the end of the body", () => {
    const result = attempt(Uint8Array.from([0x0a, 0x7f, 0x12, 0x00]));
    expect((result as UndecodableBody).message).toBe("truncated protobuf: field 1 needs 127 bytes, 2 left");
  });

  it("refuses a field whose length runs past the end of its enclosing message", () => {
    // ResourceSpans of 2 bytes holding a ScopeSpans that claims 3: the bytes exist, but belong to the next message.
    const body = Uint8Array.from([0x0a, 0x02, 0x12, 0x03, 0x0a, 0x01, 0x00]);
    expect((attempt(body) as UndecodableBody).message).toMatch(/runs past the end of its message/);
  });

  it("refuses an int64 varint longer than ten bytes", () => {
    const value = new ProtoWriter().tag(3, 0).raw(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    const kv = new ProtoWriter().field(1, "k").field(2, value);
    const span = new ProtoWriter().raw(spanMessage(makeSpan()).finish()).field(9, kv);
    const body = new ProtoWriter().field(1, new ProtoWriter().field(2, new ProtoWriter().field(2, span))).finish();
    expect((attempt(body) as UndecodableBody).message).toMatch(/varint longer than 10 bytes/);
  });

  it("skips unknown groups but refuses groups nested past protobufjs's recursion limit", () => {
    // Field 99 as a group (start 3, end 4) around an unknown varint: skipped like any unknown field.
    const group = new ProtoWriter().tag(99, 3).tag(98, 0).varint(1).tag(99, 4).finish();
    expect(attempt(new Uint8Array([...group, ...encodeProtobuf(makeRequest([makeSpan()]))]))).toMatchObject({ rejectedSpans: 0 });
    const bomb = new ProtoWriter();
    for (let i = 0; i < 100_000; i++) bomb.tag(99, 3);
    const result = attempt(bomb.finish());
    expect(result).toBeInstanceOf(UndecodableBody);
  });
});

/**
 * AnyValue{array_value: ArrayValue{values: [AnyValue{array_value: …}]}}, `depth` levels, ~1 MB at
 * 100,000. Written back to front into one buffer: nesting by copying would take quadratic time.
 */
function nestedArrays(depth: number): Uint8Array {
  const buf = new Uint8Array(depth * 12 + 8);
  let start = buf.length;
  const prepend = (...bytes: number[]) => {
    for (let i = bytes.length - 1; i >= 0; i--) buf[--start] = bytes[i] as number;
  };
  const lengthPrefix = (n: number): number[] => {
    const out: number[] = [];
    for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
    return [...out, n];
  };
  prepend(0x0a, 1, 0x78); // innermost AnyValue{string_value: "x"}
  for (let i = 0; i < depth; i++) {
    prepend(0x0a, ...lengthPrefix(buf.length - start)); // ArrayValue.values (1)
    prepend(0x2a, ...lengthPrefix(buf.length - start)); // AnyValue.array_value (5)
  }
  return buf.subarray(start);
}

describe("attribute nesting", () => {
  function bodyWithValue(value: ProtoWriter): Uint8Array {
    const span = new ProtoWriter().raw(spanMessage(makeSpan()).finish()).field(9, new ProtoWriter().field(1, "deep").field(2, value));
    return new ProtoWriter().field(1, new ProtoWriter().field(2, new ProtoWriter().field(2, span))).finish();
  }

  it("keeps arrays nested 32 deep and refuses 33, in both encodings", () => {
    const ok = makeRequest([makeSpan({ attributes: [{ key: "deep", value: nestedArrayValue(32) }] })]);
    expect(decodeProtobufRequest(encodeProtobuf(ok)).batch.spans).toHaveLength(1);
    expect(decodeJsonRequest(JSON.stringify(ok)).batch.spans).toHaveLength(1);

    const bomb = makeRequest([makeSpan({ attributes: [{ key: "deep", value: nestedArrayValue(33) }] })]);
    expect(attempt(encodeProtobuf(bomb))).toBeInstanceOf(UndecodableBody);
    expect(() => decodeJsonRequest(JSON.stringify(bomb))).toThrow(UndecodableBody);
  });

  it("refuses a 100,000-deep AnyValue bomb without overflowing the stack", () => {
    const result = attempt(bodyWithValue(new ProtoWriter().raw(nestedArrays(100_000))));
    expect((result as UndecodableBody).message).toMatch(/nested deeper than 32/);
  });

  it("refuses a kvlist nesting bomb", () => {
    let value = anyValue({ stringValue: "bottom" });
    for (let i = 0; i < 40; i++) value = new ProtoWriter().field(6, new ProtoWriter().field(1, new ProtoWriter().field(1, "k").field(2, value)));
    expect(attempt(bodyWithValue(value))).toBeInstanceOf(UndecodableBody);
  });
});

describe("mutation fuzz", () => {
  let seeds: Uint8Array[];

  beforeAll(async () => {
    seeds = [ProtobufTraceSerializer.serializeRequest(await coverageSpans()) as Uint8Array, twoResourceBody()];
  });

  /** One random edit: flip, overwrite, insert, delete, duplicate or truncate. */
  function mutate(body: Uint8Array, random: () => number): Uint8Array {
    const bytes = Array.from(body);
    const edits = 1 + Math.floor(random() * 4);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (bytes.length + 1));
      const special = [0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12][Math.floor(random() * 6)] as number;
      switch (Math.floor(random() * 6)) {
        case 0:
          bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(random() * 8));
          break;
        case 1:
          bytes[at] = special;
          break;
        case 2:
          bytes.splice(at, 0, ...Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256)));
          break;
        case 3:
          bytes.splice(at, 1 + Math.floor(random() * 16));
          break;
        case 4:
          bytes.splice(at, 0, ...bytes.slice(Math.floor(random() * bytes.length), Math.floor(random() * bytes.length)));
          break;
        default:
          bytes.length = Math.min(bytes.length, at);
      }
    }
    return Uint8Array.from(bytes);
  }

  it("ends every one of 2,000 mutated bodies in valid spans or UndecodableBody", () => {
    const random = prng(20261124);
    const outcomes = { decoded: 0, refused: 0 };
    for (let i = 0; i < 2_000; i++) {
      const result = attempt(mutate(seeds[i % seeds.length] as Uint8Array, random));
      if (result instanceof UndecodableBody) outcomes.refused++;
      else {
        outcomes.decoded++;
        expectWellFormed(result);
      }
    }
    // Both outcomes happen, so the fuzz reaches past the first bytes.
    expect(outcomes.decoded).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(50);
  });
});

describe("agreement with the SDK's JSON", () => {
  it("decodes the coverage spans identically after a re-encode through our test writer", async () => {
    // Our fixture writer, fed the SDK's own JSON, must produce bytes our decoder reads as the SDK's
    // protobuf: this checks the writer the other protobuf tests rely on.
    const spans = await coverageSpans();
    const json = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans))) as Record<string, unknown>;
    // The SDK's JSON writes intValue as a JSON number; the writer wants decimal strings.
    const text = JSON.stringify(json, (key, value: unknown) => (key === "intValue" ? BigInt(value as number).toString() : value));
    const viaWriter = decodeProtobufRequest(encodeProtobuf(JSON.parse(text) as Record<string, unknown>));
    const viaSdk = decodeProtobufRequest(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    expect(viaWriter.batch).toStrictEqual(viaSdk.batch);
  });
});
