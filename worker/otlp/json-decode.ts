/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` into our span model. OTLP/JSON differs from the
 * protobuf mapping in a few ways, all handled here: ids are hex (any case), int64 values arrive as
 * decimal strings or numbers, enums as integers (we also take their names), bytes as base64,
 * unknown fields are ignored, and — as in all proto3 JSON — null means "not set". A wrongly typed
 * field inside a span drops that span only; one outside any span (say `resourceSpans: "x"`) makes
 * the body undecodable, as does attribute nesting deeper than the protobuf decoder allows.
 */
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanEvent, SpanKind, SpanLink, SpanStatus, StatusCode } from "../model/span";
import { base64ToBytes, bytesToBase64 } from "./bytes";
import { DecodedSpans, UndecodableBody, type DecodedRequest } from "./decoded";
import { normaliseParent } from "./validate";

/** A field of the wrong type: rejects the span it is in (or the body, outside spans). */
class FieldError extends Error {}

type Json = Record<string, unknown>;

/** Same limit, and same answer (the whole body is refused), as the protobuf decoder. */
const MAX_VALUE_DEPTH = 32;
const SPAN_KINDS: Record<string, SpanKind> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, StatusCode> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

export function decodeJsonRequest(text: string): DecodedRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UndecodableBody(`invalid JSON: ${(error as Error).message}`);
  }
  const out = new DecodedSpans();
  try {
    const request = object(body, "request body");
    for (const [i, resourceSpans] of list(request.resourceSpans, "resourceSpans").entries()) {
      readResourceSpans(object(resourceSpans, `resourceSpans[${i}]`), `resourceSpans[${i}]`, out);
    }
  } catch (error) {
    if (error instanceof FieldError) throw new UndecodableBody(`invalid OTLP/JSON: ${error.message}`);
    throw error;
  }
  return out.result();
}

function readResourceSpans(json: Json, path: string, out: DecodedSpans): void {
  const resourceJson = optionalObject(json.resource, `${path}.resource`);
  const resource: Resource = { attributes: attributes(resourceJson?.attributes, `${path}.resource.attributes`) };
  const dropped = optionalCount(resourceJson?.droppedAttributesCount, `${path}.resource.droppedAttributesCount`);
  if (dropped) resource.droppedAttributesCount = dropped;
  const schemaUrl = optionalString(json.schemaUrl, `${path}.schemaUrl`);
  if (schemaUrl) resource.schemaUrl = schemaUrl;
  const resourceIndex = out.resource(resource);
  for (const [i, scopeSpans] of list(json.scopeSpans, `${path}.scopeSpans`).entries()) {
    readScopeSpans(object(scopeSpans, `${path}.scopeSpans[${i}]`), `${path}.scopeSpans[${i}]`, resourceIndex, out);
  }
}

function readScopeSpans(json: Json, path: string, resourceIndex: number, out: DecodedSpans): void {
  const scopeJson = optionalObject(json.scope, `${path}.scope`);
  const scope: Scope = { name: optionalString(scopeJson?.name, `${path}.scope.name`) ?? "" };
  const version = optionalString(scopeJson?.version, `${path}.scope.version`);
  if (version) scope.version = version;
  const scopeAttributes = attributes(scopeJson?.attributes, `${path}.scope.attributes`);
  if (scopeAttributes.length) scope.attributes = scopeAttributes;
  const dropped = optionalCount(scopeJson?.droppedAttributesCount, `${path}.scope.droppedAttributesCount`);
  if (dropped) scope.droppedAttributesCount = dropped;
  const schemaUrl = optionalString(json.schemaUrl, `${path}.schemaUrl`);
  if (schemaUrl) scope.schemaUrl = schemaUrl;
  const scopeIndex = out.scope(scope);
  for (const [i, spanJson] of list(json.spans, `${path}.spans`).entries()) {
    try {
      out.offer(readSpan(object(spanJson, "span"), resourceIndex, scopeIndex));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      out.reject(`${path}.spans[${i}]: ${error.message}`);
    }
  }
}

function readSpan(json: Json, resource: number, scope: number): Span {
  const span: Span = {
    traceId: id(json.traceId, "traceId"),
    spanId: id(json.spanId, "spanId"),
    parentSpanId: normaliseParent(id(json.parentSpanId, "parentSpanId")),
    name: optionalString(json.name, "name") ?? "",
    kind: enumValue(json.kind, "kind", SPAN_KINDS, 5) as SpanKind,
    startTimeUnixNano: uint64(json.startTimeUnixNano, "startTimeUnixNano"),
    endTimeUnixNano: uint64(json.endTimeUnixNano, "endTimeUnixNano"),
    attributes: attributes(json.attributes, "attributes"),
    events: list(json.events, "events").map((e, i) => readEvent(object(e, `events[${i}]`), `events[${i}]`)),
    links: list(json.links, "links").map((l, i) => readLink(object(l, `links[${i}]`), `links[${i}]`)),
    status: readStatus(optionalObject(json.status, "status")),
    resource,
    scope,
  };
  const traceState = optionalString(json.traceState, "traceState");
  if (traceState) span.traceState = traceState;
  const flags = optionalCount(json.flags, "flags");
  if (flags) span.flags = flags;
  const droppedAttributes = optionalCount(json.droppedAttributesCount, "droppedAttributesCount");
  if (droppedAttributes) span.droppedAttributesCount = droppedAttributes;
  const droppedEvents = optionalCount(json.droppedEventsCount, "droppedEventsCount");
  if (droppedEvents) span.droppedEventsCount = droppedEvents;
  const droppedLinks = optionalCount(json.droppedLinksCount, "droppedLinksCount");
  if (droppedLinks) span.droppedLinksCount = droppedLinks;
  return span;
}

function readEvent(json: Json, path: string): SpanEvent {
  const event: SpanEvent = {
    timeUnixNano: uint64(json.timeUnixNano, `${path}.timeUnixNano`),
    name: optionalString(json.name, `${path}.name`) ?? "",
    attributes: attributes(json.attributes, `${path}.attributes`),
  };
  const dropped = optionalCount(json.droppedAttributesCount, `${path}.droppedAttributesCount`);
  if (dropped) event.droppedAttributesCount = dropped;
  return event;
}

function readLink(json: Json, path: string): SpanLink {
  const link: SpanLink = {
    traceId: id(json.traceId, `${path}.traceId`),
    spanId: id(json.spanId, `${path}.spanId`),
    attributes: attributes(json.attributes, `${path}.attributes`),
  };
  const traceState = optionalString(json.traceState, `${path}.traceState`);
  if (traceState) link.traceState = traceState;
  const dropped = optionalCount(json.droppedAttributesCount, `${path}.droppedAttributesCount`);
  if (dropped) link.droppedAttributesCount = dropped;
  const flags = optionalCount(json.flags, `${path}.flags`);
  if (flags) link.flags = flags;
  return link;
}

function readStatus(json: Json | undefined): SpanStatus {
  const status: SpanStatus = { code: enumValue(json?.code, "status.code", STATUS_CODES, 2) as StatusCode };
  const message = optionalString(json?.message, "status.message");
  if (message) status.message = message;
  return status;
}

function attributes(value: unknown, path: string): KeyValue[] {
  return list(value, path).map((kv, i) => keyValue(kv, `${path}[${i}]`, 0));
}

function keyValue(value: unknown, path: string, depth: number): KeyValue {
  const json = object(value, path);
  // An absent key is proto3's default "", as the protobuf decoder reads it.
  return { key: optionalString(json.key, `${path}.key`) ?? "", value: anyValue(json.value, `${path}.value`, depth) };
}

function anyValue(value: unknown, path: string, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new UndecodableBody(`invalid OTLP/JSON: ${path} is nested deeper than ${MAX_VALUE_DEPTH}`);
  const json = optionalObject(value, path);
  if (!json) return {};
  // `!= null`: a null member is unset (the SDK's JSON exporter writes NaN and ±Infinity as null).
  if (json.stringValue != null) {
    if (typeof json.stringValue !== "string") throw new FieldError(`${path}.stringValue must be a string`);
    return { stringValue: json.stringValue };
  }
  if (json.boolValue != null) {
    if (typeof json.boolValue !== "boolean") throw new FieldError(`${path}.boolValue must be a boolean`);
    return { boolValue: json.boolValue };
  }
  if (json.intValue != null) return { intValue: int64(json.intValue, `${path}.intValue`) };
  if (json.doubleValue != null) return { doubleValue: double(json.doubleValue, `${path}.doubleValue`) };
  if (json.bytesValue != null) return { bytesValue: base64(json.bytesValue, `${path}.bytesValue`) };
  if (json.arrayValue != null) {
    const values = list(object(json.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return { arrayValue: { values: values.map((v, i) => anyValue(v, `${path}.arrayValue.values[${i}]`, depth + 1)) } };
  }
  if (json.kvlistValue != null) {
    const values = list(object(json.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`);
    return { kvlistValue: { values: values.map((v, i) => keyValue(v, `${path}.kvlistValue.values[${i}]`, depth + 1)) } };
  }
  return {};
}

/**
 * Bytes, stored in the standard base64 alphabet with padding whatever the client sent: proto3 JSON
 * also allows the URL-safe alphabet and no padding, and one spelling lets equal values compare equal.
 */
function base64(value: unknown, path: string): string {
  if (typeof value !== "string") throw new FieldError(`${path} must be a base64 string`);
  try {
    return bytesToBase64(base64ToBytes(value.replace(/[-_]/g, (c) => (c === "-" ? "+" : "/"))));
  } catch {
    throw new FieldError(`${path} is not valid base64`);
  }
}

function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FieldError(`${path} must be an object`);
  return value as Json;
}

function optionalObject(value: unknown, path: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, path);
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(`${path} must be an array`);
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new FieldError(`${path} must be a string`);
  return value;
}

const HEX_BYTES = /^(?:[0-9a-f]{2})*$/;

/**
 * Ids: hex, any case, stored lowercase. Span validation then checks their length, as it does for
 * the protobuf decoder's ids (which are hex by construction).
 */
function id(value: unknown, path: string): string {
  const hex = (optionalString(value, path) ?? "").toLowerCase();
  if (!HEX_BYTES.test(hex)) throw new FieldError(`${path} must be hex digits in pairs, got "${hex.slice(0, 40)}"`);
  return hex;
}

const UINT32 = /^\d{1,10}$/;

/** uint32 and fixed32 fields; proto3 JSON allows them as numbers or decimal strings. */
function optionalCount(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && UINT32.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new FieldError(`${path} must be a non-negative 32-bit integer`);
  }
  return n;
}

const DIGITS = /^-?\d{1,20}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_END = 2n ** 63n;

/**
 * int64 as a decimal string, exact. A JSON number is taken too if it is an integer in range: past
 * 2^53 the client's JSON encoder has already rounded it (the OTel JS SDK writes 2**60 as the
 * number 1152921504606847000), and keeping that value beats dropping the span.
 */
function int64(value: unknown, path: string): string {
  const n = integer(value, INT64_MIN, INT64_END);
  if (n === undefined) throw new FieldError(`${path} must be an int64 (a decimal string or an integer)`);
  return n;
}

/** Timestamps are fixed64 (unsigned); absent means 0, which span validation then rejects. */
function uint64(value: unknown, path: string): string {
  if (value === undefined || value === null) return "0";
  const n = integer(value, 0n, 2n ** 64n);
  if (n === undefined) throw new FieldError(`${path} must be a uint64 (a decimal string or a non-negative integer)`);
  return n;
}

/** `value` as a canonical decimal string if it is an integer in [min, end), else undefined. */
function integer(value: unknown, min: bigint, end: bigint): string | undefined {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return value >= min && value < end ? String(value) : undefined;
    if (!Number.isInteger(value)) return undefined;
  } else if (typeof value !== "string" || !DIGITS.test(value)) {
    return undefined;
  }
  const n = BigInt(value);
  return n >= min && n < end ? n.toString() : undefined;
}

function double(value: unknown, path: string): number {
  if (typeof value === "number") return value;
  // Proto3 JSON spells the non-finite doubles as strings.
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  throw new FieldError(`${path} must be a number`);
}

function enumValue(value: unknown, path: string, names: Record<string, number>, max: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number" && Number.isInteger(value)) return value >= 0 && value <= max ? value : 0;
  if (typeof value === "string" && value in names) return names[value] as number;
  throw new FieldError(`${path} must be an integer enum value`);
}
