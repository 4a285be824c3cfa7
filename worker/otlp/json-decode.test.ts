/**
 * The JSON decoder on what a buggy or hostile client sends. A wrongly typed field inside a span
 * drops that span only (counted, with a message naming the field); anything wrong outside the
 * spans, or not JSON at all, refuses the body with UndecodableBody.
 */
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { beforeAll, describe, expect, it } from "vitest";
import { coverageSpans, makeRequest, makeSpan, nestedArrayValue, prng, type JsonObject } from "../../test/support/otlp-fixtures";
import { UndecodableBody, type DecodedRequest } from "./decoded";
import { decodeJsonRequest } from "./json-decode";

function attempt(text: string): DecodedRequest | UndecodableBody {
  try {
    return decodeJsonRequest(text);
  } catch (error) {
    if (error instanceof UndecodableBody) return error;
    throw new Error(`decoding ${text.slice(0, 300)} threw ${String(error)}`, { cause: error });
  }
}

function refusal(text: string): string {
  const result = attempt(text);
  if (!(result instanceof UndecodableBody)) throw new Error(`expected ${text.slice(0, 100)} to be refused, it decoded`);
  return result.message;
}

describe("a span with a wrongly typed field", () => {
  // [what is wrong, the span override, what the error message must say]
  const cases: Array<[string, JsonObject, RegExp]> = [
    ["a number for its name", { name: 5 }, /spans\[1\]: name must be a string/],
    ["a string for its attributes", { attributes: "x" }, /spans\[1\]: attributes must be an array/],
    ["an unknown kind name", { kind: "weird" }, /spans\[1\]: kind must be an integer enum value/],
    ["an intValue with letters", { attributes: [{ key: "n", value: { intValue: "12abc" } }] }, /attributes\[0\]\.value\.intValue must be an int64/],
    ["an intValue past int64", { attributes: [{ key: "n", value: { intValue: "9223372036854775808" } }] }, /intValue must be an int64/],
    ["a fractional intValue", { attributes: [{ key: "n", value: { intValue: 1.5 } }] }, /intValue must be an int64/],
    ["a bytesValue that is not base64", { attributes: [{ key: "b", value: { bytesValue: "not base64!" } }] }, /bytesValue is not valid base64/],
    ["a bytesValue that is not a string", { attributes: [{ key: "b", value: { bytesValue: [1, 2] } }] }, /bytesValue must be a base64 string/],
    ["a boolValue that is a string", { attributes: [{ key: "b", value: { boolValue: "true" } }] }, /boolValue must be a boolean/],
    ["a doubleValue that is not a number", { attributes: [{ key: "d", value: { doubleValue: "fast" } }] }, /doubleValue must be a number/],
    ["a value that is a string", { attributes: [{ key: "v", value: "plain" }] }, /attributes\[0\]\.value must be an object/],
    ["a key that is a number", { attributes: [{ key: 7, value: { stringValue: "x" } }] }, /attributes\[0\]\.key must be a string/],
    ["a trace id of odd length", { traceId: "abc" }, /traceId must be hex digits in pairs, got "abc"/],
    ["a trace id that is not hex", { traceId: "zz".repeat(16) }, /traceId must be hex digits in pairs/],
    ["a base64 span id", { spanId: "AAECAwQFBgc=" }, /spanId must be hex digits in pairs/],
    ["a negative start time", { startTimeUnixNano: "-5" }, /startTimeUnixNano must be a uint64/],
    ["a fractional end time", { endTimeUnixNano: 1.5 }, /endTimeUnixNano must be a uint64/],
    ["events that are an object", { events: {} }, /events must be an array/],
    ["an event time with letters", { events: [{ timeUnixNano: "soon" }] }, /events\[0\]\.timeUnixNano must be a uint64/],
    ["a link with a non-hex trace id", { links: [{ traceId: "xyz", spanId: "0102030405060708" }] }, /links\[0\]\.traceId must be hex/],
    ["a status that is a string", { status: "ERROR" }, /status must be an object/],
    ["an unknown status code name", { status: { code: "STATUS_CODE_MAYBE" } }, /status\.code must be an integer enum value/],
    ["a negative dropped count", { droppedAttributesCount: -1 }, /droppedAttributesCount must be a non-negative 32-bit integer/],
    ["flags past 32 bits", { flags: 2 ** 32 }, /flags must be a non-negative 32-bit integer/],
    ["a trace state that is a number", { traceState: 1 }, /traceState must be a string/],
  ];

  it.each(cases)("rejects a span with %s, keeping the others", (_, override, message) => {
    const request = makeRequest([makeSpan(), makeSpan(override), makeSpan()]);
    const decoded = attempt(JSON.stringify(request));
    if (decoded instanceof UndecodableBody) throw decoded;
    expect(decoded.rejectedSpans).toBe(1);
    expect(decoded.batch.spans).toHaveLength(2);
    expect(decoded.errorMessage).toMatch(/^1 spans rejected: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]: /);
    expect(decoded.errorMessage).toMatch(message);
  });

  it("rejects a span that is not an object", () => {
    const decoded = decodeJsonRequest(JSON.stringify(makeRequest([makeSpan(), "span", null]) ));
    expect(decoded.batch.spans).toHaveLength(1);
    expect(decoded.rejectedSpans).toBe(2);
    expect(decoded.errorMessage).toMatch(/spans\[1\]: span must be an object/);
  });

  it("accepts counts and flags as decimal strings, as proto3 JSON allows", () => {
    const decoded = decodeJsonRequest(JSON.stringify(makeRequest([makeSpan({ droppedAttributesCount: "3", flags: "257" })])));
    expect(decoded.batch.spans[0]).toMatchObject({ droppedAttributesCount: 3, flags: 257 });
  });

  it("reads null for any field as not set", () => {
    const span = makeSpan({ parentSpanId: null, traceState: null, attributes: null, events: null, links: null, status: null, kind: null, flags: null });
    const decoded = decodeJsonRequest(JSON.stringify(makeRequest([span])));
    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.batch.spans[0]).toMatchObject({ parentSpanId: "", attributes: [], events: [], links: [], status: { code: 0 }, kind: 0 });
  });
});

describe("bodies that are not an OTLP/JSON request", () => {
  it("refuses invalid JSON, quoting the parser", () => {
    expect(refusal('{"resourceSpans": [')).toMatch(/^invalid JSON: /);
    expect(refusal("")).toMatch(/^invalid JSON: /);
    expect(refusal("\u0000\u0001binary")).toMatch(/^invalid JSON: /);
  });

  it.each([
    ['{"resourceSpans": "x"}', /resourceSpans must be an array/],
    ["[]", /request body must be an object/],
    ["null", /request body must be an object/],
    ['"text"', /request body must be an object/],
    ["42", /request body must be an object/],
    ['{"resourceSpans": [5]}', /resourceSpans\[0\] must be an object/],
    ['{"resourceSpans": [{"scopeSpans": {}}]}', /resourceSpans\[0\]\.scopeSpans must be an array/],
    ['{"resourceSpans": [{"scopeSpans": [{"spans": "all"}]}]}', /resourceSpans\[0\]\.scopeSpans\[0\]\.spans must be an array/],
    ['{"resourceSpans": [{"resource": {"attributes": "x"}}]}', /resourceSpans\[0\]\.resource\.attributes must be an array/],
    ['{"resourceSpans": [{"scopeSpans": [{"scope": {"name": 1}}]}]}', /scope\.name must be a string/],
  ])("refuses %s", (text, message) => {
    expect(refusal(text)).toMatch(/^invalid OTLP\/JSON: /);
    expect(refusal(text)).toMatch(message);
  });

  it("refuses an attribute nested 100,000 deep without overflowing the stack", () => {
    // Built as text: JSON.stringify of such an object would itself overflow.
    const depth = 100_000;
    const value = '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"x"}' + "]}}".repeat(depth);
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(makeSpan()).slice(0, -1)},"attributes":[{"key":"deep","value":${value}}]}]}]}]}`;
    expect(refusal(text)).toMatch(/nested deeper than 32/);
  });

  it("refuses a resource attribute nested too deep", () => {
    const request = makeRequest([makeSpan()], { resource: { attributes: [{ key: "deep", value: nestedArrayValue(40) }] } });
    expect(refusal(JSON.stringify(request))).toMatch(/resource\.attributes\[0\]\.value(\.arrayValue\.values\[0\])+ is nested deeper than 32/);
  });

  it("ignores deep nesting in a field it does not know", () => {
    const text = `{"future":${"[".repeat(50_000)}${"]".repeat(50_000)},"resourceSpans":[]}`;
    expect(attempt(text)).toMatchObject({ rejectedSpans: 0 });
  });
});

describe("structural fuzz", () => {
  let seed: JsonObject;

  beforeAll(async () => {
    seed = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(await coverageSpans()))) as JsonObject;
  });

  /** A random JSON value of a random type, sometimes one that looks like OTLP. */
  function randomValue(random: () => number): unknown {
    const pick = [
      () => null,
      () => random() < 0.5,
      () => Math.floor(random() * 2 ** 40) * (random() < 0.5 ? -1 : 1),
      () => random() * 1e300,
      () => "",
      () => "5b8efff798038103d269b633813fc60c",
      () => "9223372036854775808",
      () => "-1",
      () => "SPAN_KIND_SERVER",
      () => "AAE=",
      () => [],
      () => [randomValue(random)],
      () => ({}),
      () => ({ stringValue: randomValue(random) }),
      () => ({ arrayValue: { values: [randomValue(random)] } }),
      () => ({ kvlistValue: { values: [{ key: "k", value: randomValue(random) }] } }),
      () => nestedArrayValue(30 + Math.floor(random() * 6)),
    ];
    return (pick[Math.floor(random() * pick.length)] as () => unknown)();
  }

  /** Replaces, deletes or adds one random node anywhere in a deep copy of `root`. */
  function mutate(root: JsonObject, random: () => number): unknown {
    const copy = structuredClone(root) as JsonObject;
    const nodes: Array<[Record<string, unknown> | unknown[], string | number]> = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach((child, i) => (nodes.push([node, i]), walk(child)));
      else if (node && typeof node === "object") for (const [key, child] of Object.entries(node)) nodes.push([node as Record<string, unknown>, key]), walk(child);
    };
    walk(copy);
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const [parent, key] = nodes[Math.floor(random() * nodes.length)] as [Record<string | number, unknown>, string | number];
      const action = random();
      if (action < 0.6) parent[key] = randomValue(random);
      else if (action < 0.8) delete parent[key];
      else parent[Array.isArray(parent) ? parent.length : "extra"] = randomValue(random);
    }
    return copy;
  }

  it("ends every one of 2,000 mutated requests in valid spans or UndecodableBody", () => {
    const random = prng(424242);
    const outcomes = { kept: 0, spanRejected: 0, refused: 0 };
    for (let i = 0; i < 2_000; i++) {
      const result = attempt(JSON.stringify(mutate(seed, random)));
      if (result instanceof UndecodableBody) {
        outcomes.refused++;
        continue;
      }
      if (result.rejectedSpans) outcomes.spanRejected++;
      else outcomes.kept++;
      for (const span of result.batch.spans) {
        expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
        expect(result.batch.resources[span.resource]).toBeDefined();
        expect(result.batch.scopes[span.scope]).toBeDefined();
      }
      expect(() => JSON.stringify(result.batch)).not.toThrow();
    }
    // Each outcome happens often enough that the fuzz is exploring, not bouncing off one check.
    expect(outcomes.kept).toBeGreaterThan(100);
    expect(outcomes.spanRejected).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
  });

  it("refuses or decodes 500 byte-mutated JSON bodies, never throwing anything else", () => {
    const random = prng(99);
    const text = JSON.stringify(makeRequest([makeSpan({ attributes: [{ key: "k", value: { intValue: "-9007199254740993" } }] })]));
    for (let i = 0; i < 500; i++) {
      const chars = text.split("");
      const at = Math.floor(random() * chars.length);
      chars.splice(at, Math.floor(random() * 3), ...'{}[]":,0-e\\'.charAt(Math.floor(random() * 12)));
      attempt(chars.join(""));
    }
  });
});
