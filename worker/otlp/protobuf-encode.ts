/**
 * Our span model → OTLP `ExportTraceServiceRequest` protobuf. Stored traces are OTLP protobuf, so
 * spans that arrive as OTLP/JSON are encoded once at ingest and then take the protobuf path.
 * Field numbers as in protobuf-decode.ts.
 */
import protobuf from "protobufjs/minimal.js";
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanBatch } from "../model/span";
import { base64ToBytes, hexToBytes } from "./bytes";

type Writer = protobuf.Writer;

export function encodeExportRequest(batch: SpanBatch): Uint8Array {
  // `new Writer()`, not Writer.create(): the Buffer-based writer misbehaves under workerd.
  const writer = new protobuf.Writer();
  const byResource = new Map<number, Map<number, Span[]>>();
  for (const span of batch.spans) {
    let scopes = byResource.get(span.resource);
    if (!scopes) byResource.set(span.resource, (scopes = new Map()));
    let spans = scopes.get(span.scope);
    if (!spans) scopes.set(span.scope, (spans = []));
    spans.push(span);
  }
  for (const [resourceIndex, scopes] of byResource) {
    writer.uint32((1 << 3) | 2).fork(); // resource_spans
    const resource: Resource = batch.resources[resourceIndex] ?? { attributes: [] };
    writer.uint32((1 << 3) | 2).fork(); // resource
    for (const kv of resource.attributes) writeKeyValue(writer, 1, kv);
    if (resource.droppedAttributesCount) writer.uint32((2 << 3) | 0).uint32(resource.droppedAttributesCount);
    writer.ldelim();
    for (const [scopeIndex, spans] of scopes) {
      writer.uint32((2 << 3) | 2).fork(); // scope_spans
      writeScope(writer, batch.scopes[scopeIndex] ?? { name: "" });
      for (const span of spans) writeSpan(writer, span);
      const scope = batch.scopes[scopeIndex];
      if (scope?.schemaUrl) writer.uint32((3 << 3) | 2).string(scope.schemaUrl);
      writer.ldelim();
    }
    if (resource.schemaUrl) writer.uint32((3 << 3) | 2).string(resource.schemaUrl);
    writer.ldelim();
  }
  return writer.finish();
}

/** InstrumentationScope: 1 name, 2 version, 3 attributes, 4 dropped_attributes_count. */
function writeScope(writer: Writer, scope: Scope): void {
  writer.uint32((1 << 3) | 2).fork();
  if (scope.name) writer.uint32((1 << 3) | 2).string(scope.name);
  if (scope.version) writer.uint32((2 << 3) | 2).string(scope.version);
  for (const kv of scope.attributes ?? []) writeKeyValue(writer, 3, kv);
  if (scope.droppedAttributesCount) writer.uint32((4 << 3) | 0).uint32(scope.droppedAttributesCount);
  writer.ldelim();
}

function writeSpan(writer: Writer, span: Span): void {
  writer.uint32((2 << 3) | 2).fork(); // ScopeSpans.spans
  writer.uint32((1 << 3) | 2).bytes(hexToBytes(span.traceId));
  writer.uint32((2 << 3) | 2).bytes(hexToBytes(span.spanId));
  if (span.traceState) writer.uint32((3 << 3) | 2).string(span.traceState);
  if (span.parentSpanId) writer.uint32((4 << 3) | 2).bytes(hexToBytes(span.parentSpanId));
  if (span.flags) writer.uint32((16 << 3) | 5).fixed32(span.flags);
  writer.uint32((5 << 3) | 2).string(span.name);
  if (span.kind) writer.uint32((6 << 3) | 0).int32(span.kind);
  writeFixed64(writer, 7, span.startTimeUnixNano);
  writeFixed64(writer, 8, span.endTimeUnixNano);
  for (const kv of span.attributes) writeKeyValue(writer, 9, kv);
  if (span.droppedAttributesCount) writer.uint32((10 << 3) | 0).uint32(span.droppedAttributesCount);
  for (const event of span.events) {
    writer.uint32((11 << 3) | 2).fork();
    writeFixed64(writer, 1, event.timeUnixNano);
    if (event.name) writer.uint32((2 << 3) | 2).string(event.name);
    for (const kv of event.attributes) writeKeyValue(writer, 3, kv);
    if (event.droppedAttributesCount) writer.uint32((4 << 3) | 0).uint32(event.droppedAttributesCount);
    writer.ldelim();
  }
  if (span.droppedEventsCount) writer.uint32((12 << 3) | 0).uint32(span.droppedEventsCount);
  for (const link of span.links) {
    writer.uint32((13 << 3) | 2).fork();
    writer.uint32((1 << 3) | 2).bytes(hexToBytes(link.traceId));
    writer.uint32((2 << 3) | 2).bytes(hexToBytes(link.spanId));
    if (link.traceState) writer.uint32((3 << 3) | 2).string(link.traceState);
    for (const kv of link.attributes) writeKeyValue(writer, 4, kv);
    if (link.droppedAttributesCount) writer.uint32((5 << 3) | 0).uint32(link.droppedAttributesCount);
    if (link.flags) writer.uint32((6 << 3) | 5).fixed32(link.flags);
    writer.ldelim();
  }
  if (span.droppedLinksCount) writer.uint32((14 << 3) | 0).uint32(span.droppedLinksCount);
  if (span.status.code || span.status.message) {
    writer.uint32((15 << 3) | 2).fork();
    if (span.status.message) writer.uint32((2 << 3) | 2).string(span.status.message);
    if (span.status.code) writer.uint32((3 << 3) | 0).int32(span.status.code);
    writer.ldelim();
  }
  writer.ldelim();
}

/** KeyValue: 1 key, 2 value. */
function writeKeyValue(writer: Writer, field: number, kv: KeyValue): void {
  writer.uint32((field << 3) | 2).fork();
  writer.uint32((1 << 3) | 2).string(kv.key);
  writer.uint32((2 << 3) | 2).fork();
  writeAnyValue(writer, kv.value);
  writer.ldelim();
  writer.ldelim();
}

/** AnyValue: 1 string, 2 bool, 3 int64, 4 double, 5 array, 6 kvlist, 7 bytes. */
function writeAnyValue(writer: Writer, value: AnyValue): void {
  if ("stringValue" in value) writer.uint32((1 << 3) | 2).string(value.stringValue);
  else if ("boolValue" in value) writer.uint32((2 << 3) | 0).bool(value.boolValue);
  else if ("intValue" in value) writeInt64(writer, value.intValue);
  else if ("doubleValue" in value) writer.uint32((4 << 3) | 1).double(value.doubleValue);
  else if ("bytesValue" in value) writer.uint32((7 << 3) | 2).bytes(base64ToBytes(value.bytesValue));
  else if ("arrayValue" in value) {
    writer.uint32((5 << 3) | 2).fork();
    for (const item of value.arrayValue.values) {
      writer.uint32((1 << 3) | 2).fork();
      writeAnyValue(writer, item);
      writer.ldelim();
    }
    writer.ldelim();
  } else if ("kvlistValue" in value) {
    writer.uint32((6 << 3) | 2).fork();
    for (const kv of value.kvlistValue.values) writeKeyValue(writer, 1, kv);
    writer.ldelim();
  }
}

/** A decimal int64 as protobufjs's Long-like {low, high}: exact, where a JS number would round. */
function longBits(decimal: string): { low: number; high: number; unsigned: boolean } {
  const value = BigInt.asUintN(64, BigInt(decimal));
  return { low: Number(value & 0xffffffffn) | 0, high: Number(value >> 32n) | 0, unsigned: false };
}

function writeInt64(writer: Writer, decimal: string): void {
  writer.uint32((3 << 3) | 0).int64(longBits(decimal) as never);
}

function writeFixed64(writer: Writer, field: number, decimal: string): void {
  writer.uint32((field << 3) | 1).fixed64(longBits(decimal) as never);
}
