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
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanEvent, SpanKind, SpanLink, SpanStatus, StatusCode } from "../model/span";
import { bytesToBase64 } from "./bytes";
import { DecodedSpans, UndecodableBody, type DecodedRequest } from "./decoded";
import { normaliseParent } from "./validate";
import {
  checkEnd,
  expectWireType,
  FIXED64,
  isReaderError,
  LENGTH_DELIMITED,
  MAX_NESTING,
  messageEnd,
  readerFor,
  readFixed32,
  readFixed64,
  readHex,
  readInt64,
  readString,
  readUint32,
  skipField,
  toSpanKind,
  toStatusCode,
  VARINT,
  type Reader,
} from "./wire";


export function decodeProtobufRequest(body: Uint8Array): DecodedRequest {
  const reader = readerFor(body);
  const out = new DecodedSpans();
  try {
    // ExportTraceServiceRequest: 1 resource_spans (repeated).
    while (reader.pos < reader.len) {
      const tag = reader.tag();
      if (tag >>> 3 === 1) readResourceSpans(reader, messageEnd(reader, tag), out);
      else skipField(reader, tag);
    }
  } catch (error) {
    if (isReaderError(error)) throw new UndecodableBody(`invalid protobuf ExportTraceServiceRequest: ${error.message}`);
    // Anything else is a bug of ours, not a bad body: let it surface (and be logged) as one.
    throw error;
  }
  return out.result();
}

/** ResourceSpans: 1 resource, 2 scope_spans (repeated), 3 schema_url. */
function readResourceSpans(reader: Reader, end: number, out: DecodedSpans): void {
  let resource: Resource = { attributes: [] };
  let schemaUrl = "";
  // The resource may follow its spans on the wire; decode spans once the resource is known.
  // Flat [start, end, start, end, …]: no array allocated per ScopeSpans.
  const scopeSpans: number[] = [];
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        resource = readResource(reader, messageEnd(reader, tag));
        break;
      case 2: {
        const scopeEnd = messageEnd(reader, tag);
        scopeSpans.push(reader.pos, scopeEnd);
        reader.pos = scopeEnd;
        break;
      }
      case 3:
        schemaUrl = readString(reader, tag);
        break;
      default:
        skipField(reader, tag);
    }
  }
  checkEnd(reader, end);
  if (schemaUrl) resource.schemaUrl = schemaUrl;
  const resourceIndex = out.resource(resource);
  for (let i = 0; i < scopeSpans.length; i += 2) {
    reader.pos = scopeSpans[i] as number;
    readScopeSpans(reader, scopeSpans[i + 1] as number, resourceIndex, out);
  }
  reader.pos = end;
}

/** Resource: 1 attributes (repeated), 2 dropped_attributes_count. */
function readResource(reader: Reader, end: number): Resource {
  const resource: Resource = { attributes: [] };
  let dropped = 0;
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        resource.attributes.push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 2:
        dropped = readUint32(reader, tag);
        break;
      default:
        skipField(reader, tag);
    }
  }
  checkEnd(reader, end);
  if (dropped) resource.droppedAttributesCount = dropped;
  return resource;
}

/** ScopeSpans: 1 scope, 2 spans (repeated), 3 schema_url. */
function readScopeSpans(reader: Reader, end: number, resourceIndex: number, out: DecodedSpans): void {
  let scope: Scope = { name: "" };
  let schemaUrl = "";
  const spans: number[] = []; // flat [start, end, …], as in readResourceSpans
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        scope = readScope(reader, messageEnd(reader, tag));
        break;
      case 2: {
        const spanEnd = messageEnd(reader, tag);
        spans.push(reader.pos, spanEnd);
        reader.pos = spanEnd;
        break;
      }
      case 3:
        schemaUrl = readString(reader, tag);
        break;
      default:
        skipField(reader, tag);
    }
  }
  checkEnd(reader, end);
  if (schemaUrl) scope.schemaUrl = schemaUrl;
  const scopeIndex = out.scope(scope);
  for (let i = 0; i < spans.length; i += 2) {
    reader.pos = spans[i] as number;
    out.offer(readSpan(reader, spans[i + 1] as number, resourceIndex, scopeIndex));
  }
  reader.pos = end;
}

/**
 * InstrumentationScope: 1 name, 2 version, 3 attributes (repeated), 4 dropped_attributes_count.
 * Built in a fixed key order whatever the wire order: batches key scopes by their JSON.
 */
function readScope(reader: Reader, end: number): Scope {
  let name = "";
  let version = "";
  let attributes: KeyValue[] | undefined;
  let dropped = 0;
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        name = readString(reader, tag);
        break;
      case 2:
        version = readString(reader, tag);
        break;
      case 3:
        (attributes ??= []).push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 4:
        dropped = readUint32(reader, tag);
        break;
      default:
        skipField(reader, tag);
    }
  }
  checkEnd(reader, end);
  const scope: Scope = { name };
  if (version) scope.version = version;
  if (attributes) scope.attributes = attributes;
  if (dropped) scope.droppedAttributesCount = dropped;
  return scope;
}

/**
 * Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start_time_unix_nano
 * (fixed64), 8 end_time_unix_nano (fixed64), 9 attributes, 10 dropped_attributes_count, 11 events,
 * 12 dropped_events_count, 13 links, 14 dropped_links_count, 15 status, 16 flags (fixed32).
 * Empty strings and zero counts are left out, as the JSON decoder leaves them out.
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
      case 3: {
        const traceState = readString(reader, tag);
        if (traceState) span.traceState = traceState;
        break;
      }
      case 4:
        span.parentSpanId = normaliseParent(readHex(reader, tag));
        break;
      case 5:
        span.name = readString(reader, tag);
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
      case 10: {
        const dropped = readUint32(reader, tag);
        if (dropped) span.droppedAttributesCount = dropped;
        break;
      }
      case 11:
        span.events.push(readEvent(reader, messageEnd(reader, tag)));
        break;
      case 12: {
        const dropped = readUint32(reader, tag);
        if (dropped) span.droppedEventsCount = dropped;
        break;
      }
      case 13:
        span.links.push(readLink(reader, messageEnd(reader, tag)));
        break;
      case 14: {
        const dropped = readUint32(reader, tag);
        if (dropped) span.droppedLinksCount = dropped;
        break;
      }
      case 15:
        span.status = readStatus(reader, messageEnd(reader, tag));
        break;
      case 16: {
        const flags = readFixed32(reader, tag);
        if (flags) span.flags = flags;
        break;
      }
      default:
        skipField(reader, tag);
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
        event.name = readString(reader, tag);
        break;
      case 3:
        event.attributes.push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 4: {
        const dropped = readUint32(reader, tag);
        if (dropped) event.droppedAttributesCount = dropped;
        break;
      }
      default:
        skipField(reader, tag);
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
      case 3: {
        const traceState = readString(reader, tag);
        if (traceState) link.traceState = traceState;
        break;
      }
      case 4:
        link.attributes.push(readKeyValue(reader, messageEnd(reader, tag), 0));
        break;
      case 5: {
        const dropped = readUint32(reader, tag);
        if (dropped) link.droppedAttributesCount = dropped;
        break;
      }
      case 6: {
        const flags = readFixed32(reader, tag);
        if (flags) link.flags = flags;
        break;
      }
      default:
        skipField(reader, tag);
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
      case 2: {
        const message = readString(reader, tag);
        if (message) status.message = message;
        break;
      }
      case 3:
        expectWireType(tag, VARINT);
        status.code = toStatusCode(reader.int32());
        break;
      default:
        skipField(reader, tag);
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
        key = readString(reader, tag);
        break;
      case 2:
        value = readAnyValue(reader, messageEnd(reader, tag), depth);
        break;
      default:
        skipField(reader, tag);
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
  if (depth > MAX_NESTING) throw new UndecodableBody(`invalid protobuf: attribute values nested deeper than ${MAX_NESTING}`);
  let value: AnyValue = {};
  while (reader.pos < end) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        value = { stringValue: readString(reader, tag) };
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
          else skipField(reader, inner);
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
          else skipField(reader, inner);
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
        skipField(reader, tag);
    }
  }
  checkEnd(reader, end);
  return value;
}
