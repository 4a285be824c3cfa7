/**
 * Protobuf wire-format reading shared by the full decoder (protobuf-decode.ts) and the ingest
 * scanner (protobuf-scan.ts). Both must accept exactly the same bodies — a span the scanner lets
 * in is stored, and must decode when it is read — so the rules live here once.
 */
import protobuf from "protobufjs/minimal.js";
import type { SpanKind, StatusCode } from "../model/span";
import { bytesToHex } from "./bytes";
import { UndecodableBody } from "./decoded";

export type Reader = protobuf.Reader;

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;
/** Deeper message or AnyValue nesting than this is an attack, not telemetry. */
export const MAX_NESTING = 32;

/** Not Reader.create(): with nodejs_compat it picks a Buffer-based reader that misbehaves in workerd. */
export function readerFor(body: Uint8Array): Reader {
  return new protobuf.Reader(body);
}

/**
 * protobufjs's Reader reports bad input as a RangeError (reading past the end) or a plain Error
 * ("invalid tag encoding", "invalid wire type", "max depth exceeded" for nested groups). Telling
 * them from a TypeError keeps our own bugs from being answered as the client's fault.
 */
export function isReaderError(error: unknown): error is Error {
  return error instanceof RangeError || (error instanceof Error && error.constructor === Error);
}

/** Reads a length prefix for a field that must be length-delimited; returns where it ends. */
export function messageEnd(reader: Reader, tag: number): number {
  expectWireType(tag, LENGTH_DELIMITED);
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new UndecodableBody(`truncated protobuf: field ${tag >>> 3} needs ${length} bytes, ${reader.len - reader.pos} left`);
  return end;
}

export function expectWireType(tag: number, wireType: number): void {
  if ((tag & 7) !== wireType) {
    throw new UndecodableBody(`invalid protobuf: field ${tag >>> 3} has wire type ${tag & 7}, expected ${wireType}`);
  }
}

export function checkEnd(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new UndecodableBody("invalid protobuf: a field runs past the end of its message");
}

/** Skips a field we do not read. Varints are bounded to 10 bytes, as every varint we read is. */
export function skipField(reader: Reader, tag: number): void {
  if ((tag & 7) === VARINT) skipVarint(reader);
  else reader.skipType(tag & 7);
}

export function skipVarint(reader: Reader): void {
  for (let i = 0; i < 10; i++) {
    if (reader.pos >= reader.len) throw new UndecodableBody("truncated protobuf: varint runs past the end");
    if ((reader.buf[reader.pos++] as number) < 0x80) return;
  }
  throw new UndecodableBody("invalid protobuf: varint longer than 10 bytes");
}

export function readString(reader: Reader, tag: number): string {
  expectWireType(tag, LENGTH_DELIMITED);
  return reader.string();
}

export function readUint32(reader: Reader, tag: number): number {
  expectWireType(tag, VARINT);
  return reader.uint32();
}

export function readFixed32(reader: Reader, tag: number): number {
  expectWireType(tag, FIXED32);
  return reader.fixed32();
}

export function readHex(reader: Reader, tag: number): string {
  const end = messageEnd(reader, tag);
  const hex = bytesToHex(reader.buf, reader.pos, end);
  reader.pos = end;
  return hex;
}

/** fixed64 as a decimal string: nanosecond timestamps exceed 2^53, so a JS number would round them. */
export function readFixed64(reader: Reader, tag: number): string {
  expectWireType(tag, FIXED64);
  const lo = reader.fixed32();
  const hi = reader.fixed32();
  return hi === 0 ? String(lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** A varint int64 as a decimal string (two's complement for negatives), exact beyond 2^53. */
export function readInt64(reader: Reader): string {
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

export function toSpanKind(kind: number): SpanKind {
  // Protobuf enums are open: a kind from a newer OTLP than ours is kept as unspecified.
  return (kind >= 0 && kind <= 5 ? kind : 0) as SpanKind;
}

export function toStatusCode(code: number): StatusCode {
  return (code >= 0 && code <= 2 ? code : 0) as StatusCode;
}
