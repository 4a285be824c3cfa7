/**
 * A fast pass over an OTLP `ExportTraceServiceRequest` that checks the whole body is well-formed
 * protobuf and reads only what routing, validation and the trace index need — ids, name, kind,
 * times, status, service name — plus where each span's bytes are. Attributes, events and links are
 * walked (so a malformed one is caught now, not when the trace is read) but never materialised.
 *
 * It is the ingest hot path and the Durable Objects' flush path: spans are then stored as the OTLP
 * bytes the exporter sent (sliced per trace), and only fully decoded when someone reads them.
 * Field numbers are those of opentelemetry-proto (see protobuf-decode.ts for the full decoder).
 */
import type { SpanKind, StatusCode } from "../model/span";
import { UNKNOWN_SERVICE } from "../model/span";
import { UndecodableBody } from "./decoded";
import { normaliseParent, spanProblem } from "./validate";
import {
  checkEnd,
  expectWireType,
  FIXED32,
  FIXED64,
  isReaderError,
  LENGTH_DELIMITED as LEN,
  MAX_NESTING,
  messageEnd,
  readerFor,
  readFixed64,
  readHex,
  skipField,
  skipVarint,
  toSpanKind,
  toStatusCode,
  VARINT,
  type Reader,
} from "./wire";

const MAX_LISTED_PROBLEMS = 5;

/** [start, end) byte offsets in the scanned body. */
export type ByteRange = [number, number];

export interface ScannedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  statusCode: StatusCode;
  /** The whole `spans` field — tag, length and message — ready to copy into another request. */
  bytes: ByteRange;
}

export interface ScannedScope {
  /** The ScopeSpans fields other than its spans (scope, schema_url), as raw fields. */
  header: ByteRange[];
  spans: ScannedSpan[];
}

export interface ScannedResource {
  /** The ResourceSpans fields other than its scope_spans (resource, schema_url), as raw fields. */
  header: ByteRange[];
  serviceName: string;
  scopes: ScannedScope[];
}

export interface ScannedRequest {
  body: Uint8Array;
  resources: ScannedResource[];
  /** Valid spans kept (in `resources`) and invalid ones dropped, for OTLP partial success. */
  spanCount: number;
  rejectedSpans: number;
  errorMessage: string;
}

/** Expected wire type of each known field, or the schema of a nested message. */
interface Schema {
  [field: number]: number | Schema;
}

const ANY_VALUE: Schema = { 1: LEN, 2: VARINT, 3: VARINT, 4: FIXED64, 7: LEN };
const KEY_VALUE: Schema = { 1: LEN, 2: ANY_VALUE };
ANY_VALUE[5] = { 1: ANY_VALUE }; // ArrayValue
ANY_VALUE[6] = { 1: KEY_VALUE }; // KeyValueList
const EVENT: Schema = { 1: FIXED64, 2: LEN, 3: KEY_VALUE, 4: VARINT };
const LINK: Schema = { 1: LEN, 2: LEN, 3: LEN, 4: KEY_VALUE, 5: VARINT, 6: FIXED32 };
const SCOPE: Schema = { 1: LEN, 2: LEN, 3: KEY_VALUE, 4: VARINT };

export function scanExportRequest(body: Uint8Array): ScannedRequest {
  const reader = readerFor(body);
  const result: ScannedRequest = { body, resources: [], spanCount: 0, rejectedSpans: 0, errorMessage: "" };
  const problems = new Map<string, number>();
  try {
    // ExportTraceServiceRequest: 1 resource_spans.
    while (reader.pos < reader.len) {
      const tag = reader.tag();
      if (tag >>> 3 === 1) result.resources.push(scanResourceSpans(reader, messageEnd(reader, tag), result, problems));
      else skipField(reader, tag);
    }
  } catch (error) {
    if (isReaderError(error)) throw new UndecodableBody(`invalid protobuf ExportTraceServiceRequest: ${error.message}`);
    // UndecodableBody is already the client's fault; anything else is a bug of ours.
    throw error;
  }
  if (result.rejectedSpans > 0) {
    const listed = [...problems].slice(0, MAX_LISTED_PROBLEMS).map(([p, n]) => (n > 1 ? `${p} (${n} spans)` : p));
    const more = problems.size > MAX_LISTED_PROBLEMS ? `; and ${problems.size - MAX_LISTED_PROBLEMS} more problems` : "";
    result.errorMessage = `${result.rejectedSpans} spans rejected: ${listed.join("; ")}${more}`;
  }
  return result;
}

/** ResourceSpans: 1 resource, 2 scope_spans, 3 schema_url. */
function scanResourceSpans(reader: Reader, end: number, out: ScannedRequest, problems: Map<string, number>): ScannedResource {
  const resource: ScannedResource = { header: [], serviceName: UNKNOWN_SERVICE, scopes: [] };
  while (reader.pos < end) {
    const start = reader.pos;
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        resource.serviceName = scanResource(reader, messageEnd(reader, tag));
        resource.header.push([start, reader.pos]);
        break;
      case 2:
        resource.scopes.push(scanScopeSpans(reader, messageEnd(reader, tag), out, problems));
        break;
      case 3:
        reader.pos = messageEnd(reader, tag);
        resource.header.push([start, reader.pos]);
        break;
      default:
        skipField(reader, tag);
    }
  }
  checkEnd(reader, end);
  return resource;
}

/** Resource: 1 attributes, 2 dropped_attributes_count. Returns its service.name. */
function scanResource(reader: Reader, end: number): string {
  let serviceName = UNKNOWN_SERVICE;
  while (reader.pos < end) {
    const tag = reader.tag();
    if (tag >>> 3 === 1) {
      const kvEnd = messageEnd(reader, tag);
      serviceName = scanServiceName(reader, kvEnd) ?? serviceName;
    } else {
      skimField(reader, tag, { 2: VARINT }, 0);
    }
  }
  checkEnd(reader, end);
  return serviceName;
}

/** A resource KeyValue: its string value if the key is service.name, else undefined (skimmed). */
function scanServiceName(reader: Reader, end: number): string | undefined {
  let key = "";
  let value: string | undefined;
  while (reader.pos < end) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) key = reader.string();
    else if (tag >>> 3 === 2 && (tag & 7) === LEN) {
      const valueEnd = messageEnd(reader, tag);
      const valueStart = reader.pos;
      skimMessage(reader, valueEnd, ANY_VALUE, 1);
      // AnyValue.string_value (1) is the only form service.name takes.
      reader.pos = valueStart;
      while (reader.pos < valueEnd) {
        const inner = reader.tag();
        if (inner >>> 3 === 1 && (inner & 7) === LEN) value = reader.string();
        else skipField(reader, inner);
      }
    } else skimField(reader, tag, KEY_VALUE, 1);
  }
  checkEnd(reader, end);
  return key === "service.name" && value ? value : undefined;
}

/** ScopeSpans: 1 scope, 2 spans, 3 schema_url. */
function scanScopeSpans(reader: Reader, end: number, out: ScannedRequest, problems: Map<string, number>): ScannedScope {
  const scope: ScannedScope = { header: [], spans: [] };
  while (reader.pos < end) {
    const start = reader.pos;
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        skimMessage(reader, messageEnd(reader, tag), SCOPE, 1);
        scope.header.push([start, reader.pos]);
        break;
      case 2: {
        const span = scanSpan(reader, messageEnd(reader, tag), start);
        const problem = spanProblem(span);
        if (problem) {
          out.rejectedSpans++;
          problems.set(problem, (problems.get(problem) ?? 0) + 1);
        } else {
          scope.spans.push(span);
          out.spanCount++;
        }
        break;
      }
      case 3:
        reader.pos = messageEnd(reader, tag);
        scope.header.push([start, reader.pos]);
        break;
      default:
        skipField(reader, tag);
    }
  }
  checkEnd(reader, end);
  return scope;
}

/**
 * Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start (fixed64),
 * 8 end (fixed64), 9 attributes, 10 dropped_attributes_count, 11 events, 12 dropped_events_count,
 * 13 links, 14 dropped_links_count, 15 status (2 message, 3 code), 16 flags (fixed32).
 */
function scanSpan(reader: Reader, end: number, fieldStart: number): ScannedSpan {
  const span: ScannedSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startTimeUnixNano: "0",
    endTimeUnixNano: "0",
    statusCode: 0,
    bytes: [fieldStart, end],
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
      case 4:
        span.parentSpanId = normaliseParent(readHex(reader, tag));
        break;
      case 5:
        expectWireType(tag, LEN);
        span.name = reader.string();
        break;
      case 6: {
        expectWireType(tag, VARINT);
        span.kind = toSpanKind(reader.int32());
        break;
      }
      case 7:
        span.startTimeUnixNano = readFixed64(reader, tag);
        break;
      case 8:
        span.endTimeUnixNano = readFixed64(reader, tag);
        break;
      case 15:
        span.statusCode = scanStatus(reader, messageEnd(reader, tag));
        break;
      default:
        skimField(reader, tag, SPAN_REST, 1);
    }
  }
  checkEnd(reader, end);
  return span;
}

const SPAN_REST: Schema = { 3: LEN, 9: KEY_VALUE, 10: VARINT, 11: EVENT, 12: VARINT, 13: LINK, 14: VARINT, 16: FIXED32 };

/** Status: 2 message, 3 code. */
function scanStatus(reader: Reader, end: number): StatusCode {
  let code = 0;
  while (reader.pos < end) {
    const tag = reader.tag();
    if (tag >>> 3 === 3) {
      expectWireType(tag, VARINT);
      code = reader.int32();
    } else skimField(reader, tag, { 2: LEN }, 1);
  }
  checkEnd(reader, end);
  return toStatusCode(code);
}

/**
 * Checks a nested message's structure against `schema` without materialising anything. Depth
 * counts messages (an array attribute is two: AnyValue and ArrayValue), so this refuses nesting
 * the full decoder would still read — never the other way round, which would store spans that
 * cannot be read back.
 */
function skimMessage(reader: Reader, end: number, schema: Schema, depth: number): void {
  if (depth > MAX_NESTING) throw new UndecodableBody(`invalid protobuf: messages nested deeper than ${MAX_NESTING}`);
  while (reader.pos < end) skimField(reader, reader.tag(), schema, depth);
  checkEnd(reader, end);
}

function skimField(reader: Reader, tag: number, schema: Schema, depth: number): void {
  const expected = schema[tag >>> 3];
  if (expected === undefined) {
    skipField(reader, tag);
  } else if (typeof expected === "number") {
    expectWireType(tag, expected);
    if (expected === VARINT) skipVarint(reader);
    else reader.skipType(tag & 7);
  } else {
    skimMessage(reader, messageEnd(reader, tag), expected, depth + 1);
  }
}
