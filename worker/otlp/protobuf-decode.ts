/**
 * Decodes an OTLP `ExportTraceServiceRequest` protobuf body into our span model, by hand on
 * protobufjs's Reader: Workers forbid the runtime code generation protobufjs's reflection uses,
 * and a hand decoder writes straight into our model with no intermediate objects.
 *
 * Field numbers follow opentelemetry-proto `trace/v1/trace.proto`, `common/v1/common.proto` and
 * `resource/v1/resource.proto`; each reader names the message it reads. Unknown fields are skipped,
 * as protobuf requires. A known field with the wrong wire type, or bytes that run past their
 * message, make the whole body undecodable (400): nothing in it can be trusted.
 */
import protobuf from "protobufjs/minimal.js";
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanEvent, SpanKind, SpanLink, SpanStatus, StatusCode } from "../model/span";
import { bytesToBase64, bytesToHex } from "./bytes";
import { DecodedSpans, UndecodableBody, type DecodedRequest } from "./decoded";
import { normaliseParent } from "./validate";

type Reader = protobuf.Reader;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
/** Deeper AnyValue nesting than this is an attack, not telemetry. */
const MAX_VALUE_DEPTH = 32;

export function decodeProtobufRequest(body: Uint8Array): DecodedRequest {
  // Not Reader.create(): with nodejs_compat it picks the Buffer-based reader, whose string reads
  // call Buffer methods that workerd's Buffer implements differently (RangeErrors on bad input).
  const reader = new protobuf.Reader(body);
  const out = new DecodedSpans();
  try {
    // ExportTraceServiceRequest: 1 resource_spans (repeated).
    while (reader.pos < reader.len) {
      const tag = reader.tag();
      if (tag >>> 3 === 1) readResourceSpans(reader, messageEnd(reader, tag), out);
      else reader.skipType(tag & 7);
    }
  } catch (error) {
    if (error instanceof UndecodableBody) throw error;
    throw new UndecodableBody(`invalid protobuf ExportTraceServiceRequest: ${(error as Error).message}`);
  }
  return out.result();
}

/** Reads a length prefix for a field that must be length-delimited; returns where it ends. */
function messageEnd(reader: Reader, tag: number): number {
  expectWireType(tag, LENGTH_DELIMITED);
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new UndecodableBody(`truncated protobuf: field ${tag >>> 3} needs ${length} bytes, ${reader.len - reader.pos} left`);
  return end;
}

function expectWireType(tag: number, wireType: number): void {
  if ((tag & 7) !== wireType) {
    throw new UndecodableBody(`invalid protobuf: field ${tag >>> 3} has wire type ${tag & 7}, expected ${wireType}`);
  }
}

function checkEnd(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new UndecodableBody("invalid protobuf: a field runs past the end of its message");
}

/** ResourceSpans: 1 resource, 2 scope_spans (repeated), 3 schema_url. */
function readResourceSpans(reader: Reader, end: number, out: DecodedSpans): void {
  const resource: Resource = { attributes: [] };
  // The resource may follow its spans on the wire; decode spans once the resource is known.
  const scopeSpans: Array<[number, number]> = [];
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        readResource(reader, messageEnd(reader, tag), resource);
        break;
      case 2: {
        const scopeEnd = messageEnd(reader, tag);
        scopeSpans.push([reader.pos, scopeEnd]);
        reader.pos = scopeEnd;
        break;
      }
      case 3:
        expectWireType(tag, LENGTH_DELIMITED);
        resource.schemaUrl = reader.string();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  const resourceIndex = out.resource(resource);
  for (const [start, scopeEnd] of scopeSpans) {
    reader.pos = start;
    readScopeSpans(reader, scopeEnd, resourceIndex, out);
  }
  reader.pos = end;
}

/** Resource: 1 attributes (repeated), 2 dropped_attributes_count. */
function readResource(reader: Reader, end: number, resource: Resource): void {
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        resource.attributes.push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 2:
        expectWireType(tag, VARINT);
        resource.droppedAttributesCount = reader.uint32();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
}

/** ScopeSpans: 1 scope, 2 spans (repeated), 3 schema_url. */
function readScopeSpans(reader: Reader, end: number, resourceIndex: number, out: DecodedSpans): void {
  const scope: Scope = { name: "" };
  const spans: Array<[number, number]> = [];
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        readScope(reader, messageEnd(reader, tag), scope);
        break;
      case 2: {
        const spanEnd = messageEnd(reader, tag);
        spans.push([reader.pos, spanEnd]);
        reader.pos = spanEnd;
        break;
      }
      case 3:
        expectWireType(tag, LENGTH_DELIMITED);
        scope.schemaUrl = reader.string();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  const scopeIndex = out.scope(scope);
  for (const [start, spanEnd] of spans) {
    reader.pos = start;
    out.offer(readSpan(reader, spanEnd, resourceIndex, scopeIndex));
  }
  reader.pos = end;
}

/** InstrumentationScope: 1 name, 2 version, 3 attributes (repeated), 4 dropped_attributes_count. */
function readScope(reader: Reader, end: number, scope: Scope): void {
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        expectWireType(tag, LENGTH_DELIMITED);
        scope.name = reader.string();
        break;
      case 2:
        expectWireType(tag, LENGTH_DELIMITED);
        scope.version = reader.string();
        break;
      case 3:
        (scope.attributes ??= []).push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 4:
        expectWireType(tag, VARINT);
        scope.droppedAttributesCount = reader.uint32();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
}

/**
 * Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start_time_unix_nano
 * (fixed64), 8 end_time_unix_nano (fixed64), 9 attributes, 10 dropped_attributes_count, 11 events,
 * 12 dropped_events_count, 13 links, 14 dropped_links_count, 15 status, 16 flags (fixed32).
 */
function readSpan(reader: Reader, end: number, resource: number, scope: number): Span {
  const span: Span = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startTimeUnixNano: "0",
    endTimeUnixNano: "0",
    attributes: [],
    events: [],
    links: [],
    status: { code: 0 },
    resource,
    scope,
  };
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        span.traceId = readHex(reader, tag);
        break;
      case 2:
        span.spanId = readHex(reader, tag);
        break;
      case 3:
        expectWireType(tag, LENGTH_DELIMITED);
        span.traceState = reader.string() || undefined;
        break;
      case 4:
        span.parentSpanId = normaliseParent(readHex(reader, tag));
        break;
      case 5:
        expectWireType(tag, LENGTH_DELIMITED);
        span.name = reader.string();
        break;
      case 6:
        expectWireType(tag, VARINT);
        span.kind = toSpanKind(reader.int32());
        break;
      case 7:
        span.startTimeUnixNano = readFixed64(reader, tag);
        break;
      case 8:
        span.endTimeUnixNano = readFixed64(reader, tag);
        break;
      case 9:
        span.attributes.push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 10:
        expectWireType(tag, VARINT);
        span.droppedAttributesCount = reader.uint32();
        break;
      case 11:
        span.events.push(readEvent(reader, messageEnd(reader, tag)));
        break;
      case 12:
        expectWireType(tag, VARINT);
        span.droppedEventsCount = reader.uint32();
        break;
      case 13:
        span.links.push(readLink(reader, messageEnd(reader, tag)));
        break;
      case 14:
        expectWireType(tag, VARINT);
        span.droppedLinksCount = reader.uint32();
        break;
      case 15:
        span.status = readStatus(reader, messageEnd(reader, tag));
        break;
      case 16:
        expectWireType(tag, FIXED32);
        span.flags = reader.fixed32();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  return span;
}

/** Span.Event: 1 time_unix_nano (fixed64), 2 name, 3 attributes (repeated), 4 dropped_attributes_count. */
function readEvent(reader: Reader, end: number): SpanEvent {
  const event: SpanEvent = { timeUnixNano: "0", name: "", attributes: [] };
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        event.timeUnixNano = readFixed64(reader, tag);
        break;
      case 2:
        expectWireType(tag, LENGTH_DELIMITED);
        event.name = reader.string();
        break;
      case 3:
        event.attributes.push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 4:
        expectWireType(tag, VARINT);
        event.droppedAttributesCount = reader.uint32();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  return event;
}

/** Span.Link: 1 trace_id, 2 span_id, 3 trace_state, 4 attributes, 5 dropped_attributes_count, 6 flags (fixed32). */
function readLink(reader: Reader, end: number): SpanLink {
  const link: SpanLink = { traceId: "", spanId: "", attributes: [] };
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        link.traceId = readHex(reader, tag);
        break;
      case 2:
        link.spanId = readHex(reader, tag);
        break;
      case 3:
        expectWireType(tag, LENGTH_DELIMITED);
        link.traceState = reader.string() || undefined;
        break;
      case 4:
        link.attributes.push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 5:
        expectWireType(tag, VARINT);
        link.droppedAttributesCount = reader.uint32();
        break;
      case 6:
        expectWireType(tag, FIXED32);
        link.flags = reader.fixed32();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  return link;
}

/** Status: 2 message, 3 code (1 is a deprecated field, skipped). */
function readStatus(reader: Reader, end: number): SpanStatus {
  const status: SpanStatus = { code: 0 };
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 2:
        expectWireType(tag, LENGTH_DELIMITED);
        status.message = reader.string() || undefined;
        break;
      case 3:
        expectWireType(tag, VARINT);
        status.code = toStatusCode(reader.int32());
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  return status;
}

/** KeyValue: 1 key, 2 value. */
function readKeyValue(reader: Reader, end: number, depth: number): KeyValue {
  let key = "";
  let value: AnyValue = {};
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        expectWireType(tag, LENGTH_DELIMITED);
        key = reader.string();
        break;
      case 2:
        value = readAnyValue(reader, messageEnd(reader, tag), depth);
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  return { key, value };
}

/**
 * AnyValue (oneof): 1 string_value, 2 bool_value, 3 int_value (int64), 4 double_value,
 * 5 array_value (ArrayValue: 1 values), 6 kvlist_value (KeyValueList: 1 values), 7 bytes_value.
 */
function readAnyValue(reader: Reader, end: number, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new UndecodableBody(`invalid protobuf: attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  let value: AnyValue = {};
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        expectWireType(tag, LENGTH_DELIMITED);
        value = { stringValue: reader.string() };
        break;
      case 2:
        expectWireType(tag, VARINT);
        value = { boolValue: reader.bool() };
        break;
      case 3:
        expectWireType(tag, VARINT);
        value = { intValue: readInt64(reader) };
        break;
      case 4:
        expectWireType(tag, FIXED64);
        value = { doubleValue: reader.double() };
        break;
      case 5: {
        const values: AnyValue[] = [];
        const listEnd = messageEnd(reader, tag);
        while (reader.pos < listEnd) {
          const inner = reader.tag();
          if (inner >>> 3 === 1) values.push(readAnyValue(reader, messageEnd(reader, inner), depth + 1));
          else reader.skipType(inner & 7);
        }
        checkEnd(reader, listEnd);
        value = { arrayValue: { values } };
        break;
      }
      case 6: {
        const values: KeyValue[] = [];
        const listEnd = messageEnd(reader, tag);
        while (reader.pos < listEnd) {
          const inner = reader.tag();
          if (inner >>> 3 === 1) values.push(readKeyValue(reader, messageEnd(reader, inner), depth + 1));
          else reader.skipType(inner & 7);
        }
        checkEnd(reader, listEnd);
        value = { kvlistValue: { values } };
        break;
      }
      case 7:
        expectWireType(tag, LENGTH_DELIMITED);
        value = { bytesValue: bytesToBase64(reader.bytes()) };
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  checkEnd(reader, end);
  return value;
}

function readHex(reader: Reader, tag: number): string {
  const end = messageEnd(reader, tag);
  const hex = bytesToHex(reader.buf, reader.pos, end);
  reader.pos = end;
  return hex;
}

/** fixed64 as a decimal string: nanosecond timestamps exceed 2^53, so a JS number would round them. */
function readFixed64(reader: Reader, tag: number): string {
  expectWireType(tag, FIXED64);
  const lo = reader.fixed32();
  const hi = reader.fixed32();
  return hi === 0 ? String(lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** A varint int64 as a decimal string (two's complement for negatives), exact beyond 2^53. */
function readInt64(reader: Reader): string {
  const buf = reader.buf;
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (reader.pos >= reader.len) throw new UndecodableBody("truncated protobuf: varint runs past the end");
    const byte = buf[reader.pos++] as number;
    result |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return BigInt.asIntN(64, result).toString();
    shift += 7n;
  }
  throw new UndecodableBody("invalid protobuf: varint longer than 10 bytes");
}

function toSpanKind(kind: number): SpanKind {
  // Protobuf enums are open: a kind from a newer OTLP than ours is kept as unspecified.
  return (kind >= 0 && kind <= 5 ? kind : 0) as SpanKind;
}

function toStatusCode(code: number): StatusCode {
  return (code >= 0 && code <= 2 ? code : 0) as StatusCode;
}
