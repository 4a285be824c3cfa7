/**
 * Hand-built OTLP trace requests: `makeSpan(overrides)` and `makeRequest(spans)` in OTLP/JSON
 * shape (`unknown` leaves, so tests can put wrong types in), and `encodeProtobuf`, which turns the
 * same request into ExportTraceServiceRequest bytes. No imports from `worker/` (the expectations
 * must not share code with what they check) and none from the OpenTelemetry SDK (tests running
 * inside workerd use these too).
 */

export type JsonObject = Record<string, unknown>;

let nextSpan = 1;

/** A valid OTLP/JSON span; each call gets a fresh span id. */
export function makeSpan(overrides: JsonObject = {}): JsonObject {
  const spanId = (nextSpan++).toString(16).padStart(16, "0");
  return {
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId,
    name: `span ${spanId}`,
    kind: 2,
    startTimeUnixNano: "1700000000000000000",
    endTimeUnixNano: "1700000000250000000",
    ...overrides,
  };
}

/** One resource and one scope holding `spans` (anything, so tests can put a non-span in). */
export function makeRequest(spans: unknown[], extra: { resource?: JsonObject; scope?: JsonObject } = {}): JsonObject {
  return {
    resourceSpans: [
      {
        resource: extra.resource ?? { attributes: [{ key: "service.name", value: { stringValue: "hand-built" } }] },
        scopeSpans: [{ scope: extra.scope ?? { name: "test" }, spans }],
      },
    ],
  };
}

/** An AnyValue nested `depth` arrays deep: `{arrayValue:{values:[{arrayValue:…}]}}`. */
export function nestedArrayValue(depth: number): JsonObject {
  let value: JsonObject = { stringValue: "bottom" };
  for (let i = 0; i < depth; i++) value = { arrayValue: { values: [value] } };
  return value;
}

// ---------------------------------------------------------------------------------------------
// A small protobuf writer: OTLP/JSON shape in, ExportTraceServiceRequest bytes out. Field numbers
// from opentelemetry-proto trace.proto / common.proto / resource.proto.

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Appends protobuf fields to a growing byte list; nested messages are encoded then copied in. */
export class ProtoWriter {
  private readonly bytes: number[] = [];

  tag(field: number, wireType: number): this {
    return this.varint(BigInt((field << 3) | wireType));
  }

  /** A varint of a 64-bit value; negatives are written as their two's complement (10 bytes). */
  varint(value: bigint | number): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
    return this;
  }

  fixed64(value: bigint): this {
    const v = BigInt.asUintN(64, value);
    for (let i = 0n; i < 8n; i++) this.bytes.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }

  fixed32(value: number): this {
    for (let i = 0; i < 4; i++) this.bytes.push((value >>> (8 * i)) & 0xff);
    return this;
  }

  double(value: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.bytes.push(view.getUint8(i));
    return this;
  }

  raw(bytes: Uint8Array): this {
    for (const byte of bytes) this.bytes.push(byte);
    return this;
  }

  /** A length-delimited field: bytes, a string, or a nested message. */
  field(field: number, value: Uint8Array | string | ProtoWriter): this {
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value instanceof ProtoWriter ? value.finish() : value;
    return this.tag(field, LENGTH_DELIMITED).varint(bytes.length).raw(bytes);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** ExportTraceServiceRequest from an OTLP/JSON-shaped request (ids hex, int64 decimal strings). */
export function encodeProtobuf(request: JsonObject): Uint8Array {
  const out = new ProtoWriter();
  for (const rs of (request.resourceSpans as JsonObject[] | undefined) ?? []) out.field(1, resourceSpans(rs));
  return out.finish();
}

function resourceSpans(json: JsonObject): ProtoWriter {
  const out = new ProtoWriter();
  const resource = json.resource as JsonObject | undefined;
  if (resource) {
    const r = new ProtoWriter();
    attributesTo(r, 1, resource.attributes);
    if (resource.droppedAttributesCount) r.tag(2, VARINT).varint(resource.droppedAttributesCount as number);
    out.field(1, r);
  }
  for (const ss of (json.scopeSpans as JsonObject[] | undefined) ?? []) out.field(2, scopeSpans(ss));
  if (json.schemaUrl) out.field(3, json.schemaUrl as string);
  return out;
}

function scopeSpans(json: JsonObject): ProtoWriter {
  const out = new ProtoWriter();
  const scope = json.scope as JsonObject | undefined;
  if (scope) {
    const s = new ProtoWriter();
    if (scope.name) s.field(1, scope.name as string);
    if (scope.version) s.field(2, scope.version as string);
    attributesTo(s, 3, scope.attributes);
    if (scope.droppedAttributesCount) s.tag(4, VARINT).varint(scope.droppedAttributesCount as number);
    out.field(1, s);
  }
  for (const span of (json.spans as JsonObject[] | undefined) ?? []) out.field(2, spanMessage(span));
  if (json.schemaUrl) out.field(3, json.schemaUrl as string);
  return out;
}

export function spanMessage(json: JsonObject): ProtoWriter {
  const out = new ProtoWriter();
  if (json.traceId !== undefined) out.field(1, hex(json.traceId as string));
  if (json.spanId !== undefined) out.field(2, hex(json.spanId as string));
  if (json.traceState) out.field(3, json.traceState as string);
  if (json.parentSpanId) out.field(4, hex(json.parentSpanId as string));
  if (json.name) out.field(5, json.name as string);
  if (json.kind) out.tag(6, VARINT).varint(json.kind as number);
  if (json.startTimeUnixNano !== undefined) out.tag(7, FIXED64).fixed64(BigInt(json.startTimeUnixNano as string));
  if (json.endTimeUnixNano !== undefined) out.tag(8, FIXED64).fixed64(BigInt(json.endTimeUnixNano as string));
  attributesTo(out, 9, json.attributes);
  if (json.droppedAttributesCount) out.tag(10, VARINT).varint(json.droppedAttributesCount as number);
  for (const event of (json.events as JsonObject[] | undefined) ?? []) {
    const e = new ProtoWriter();
    if (event.timeUnixNano !== undefined) e.tag(1, FIXED64).fixed64(BigInt(event.timeUnixNano as string));
    if (event.name) e.field(2, event.name as string);
    attributesTo(e, 3, event.attributes);
    if (event.droppedAttributesCount) e.tag(4, VARINT).varint(event.droppedAttributesCount as number);
    out.field(11, e);
  }
  if (json.droppedEventsCount) out.tag(12, VARINT).varint(json.droppedEventsCount as number);
  for (const link of (json.links as JsonObject[] | undefined) ?? []) {
    const l = new ProtoWriter();
    l.field(1, hex(link.traceId as string)).field(2, hex(link.spanId as string));
    if (link.traceState) l.field(3, link.traceState as string);
    attributesTo(l, 4, link.attributes);
    if (link.droppedAttributesCount) l.tag(5, VARINT).varint(link.droppedAttributesCount as number);
    if (link.flags) l.tag(6, FIXED32).fixed32(link.flags as number);
    out.field(13, l);
  }
  if (json.droppedLinksCount) out.tag(14, VARINT).varint(json.droppedLinksCount as number);
  const status = json.status as JsonObject | undefined;
  if (status) {
    const s = new ProtoWriter();
    if (status.message) s.field(2, status.message as string);
    if (status.code) s.tag(3, VARINT).varint(status.code as number);
    out.field(15, s);
  }
  if (json.flags) out.tag(16, FIXED32).fixed32(json.flags as number);
  return out;
}

function attributesTo(out: ProtoWriter, field: number, attributes: unknown): void {
  for (const kv of (attributes as JsonObject[] | undefined) ?? []) out.field(field, keyValue(kv));
}

function keyValue(kv: JsonObject): ProtoWriter {
  const out = new ProtoWriter().field(1, kv.key as string);
  if (kv.value !== undefined) out.field(2, anyValue(kv.value as JsonObject));
  return out;
}

export function anyValue(value: JsonObject): ProtoWriter {
  const out = new ProtoWriter();
  if ("stringValue" in value) out.field(1, value.stringValue as string);
  else if ("boolValue" in value) out.tag(2, VARINT).varint(value.boolValue ? 1 : 0);
  else if ("intValue" in value) out.tag(3, VARINT).varint(BigInt(value.intValue as string));
  else if ("doubleValue" in value) out.tag(4, FIXED64).double(value.doubleValue as number);
  else if ("arrayValue" in value) {
    const list = new ProtoWriter();
    for (const item of ((value.arrayValue as JsonObject).values as JsonObject[] | undefined) ?? []) list.field(1, anyValue(item));
    out.field(5, list);
  } else if ("kvlistValue" in value) {
    const list = new ProtoWriter();
    for (const kv of ((value.kvlistValue as JsonObject).values as JsonObject[] | undefined) ?? []) list.field(1, keyValue(kv));
    out.field(6, list);
  } else if ("bytesValue" in value) out.field(7, Uint8Array.from(atob(value.bytesValue as string), (c) => c.charCodeAt(0)));
  return out;
}

// ---------------------------------------------------------------------------------------------

/** A seeded PRNG (mulberry32): fuzz runs are reproducible, and a failure names its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

