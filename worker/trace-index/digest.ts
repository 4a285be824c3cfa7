/**
 * A trace's search digest (search-entry.ts) straight from its stored OTLP protobuf bytes — the
 * bytes a trace-assembly object is about to write to R2 — without decoding spans into objects:
 * indexing runs inside the object's flush, beside ingest, so it must cost about what the ingest
 * scan costs, not what a full decode does (measured on HotROD spans: ~2 µs a span against ~10).
 *
 * Attribute values are hashed as the string Jaeger compares (attribute-string.ts): string bytes as
 * they are, integers in decimal, doubles as JavaScript prints them, booleans as true/false, bytes
 * in base64; arrays and maps (rare) are decoded and printed as JSON. Field numbers follow
 * opentelemetry-proto, as in worker/otlp/protobuf-scan.ts.
 */
import protobuf from "protobufjs/minimal.js";
import { serviceNameOf, type AnyValue, type KeyValue, type SpanKind, type StatusCode, UNKNOWN_SERVICE } from "../model/span";
import { micros } from "../model/time";
import { bytesToBase64 } from "../otlp/bytes";
import { attributeString } from "./attribute-string";
import type { OperationStats, TraceDigest } from "./search-entry";
import { PEER_KEYS, type GraphSpan, type PeerAttributes } from "../model/service-graph";
import { SpanKind as Kind, StatusCode as Status } from "../model/span";
import { addSpanFieldTerms, GENAI_USAGE_KEY_HASHES, GENAI_USAGE_TERM, hashBytes, hashKey, hashStart, hashUtf8, scopeNameTerm, scopeVersionTerm } from "./terms";

type Reader = protobuf.Reader;

const VARINT = 0;
const LEN = 2;
const SERVICE_NAME_UTF8 = new TextEncoder().encode("service.name");

interface Digesting {
  traceId: string;
  /** When asked for: every span's facts for the service graph (graph.ts). */
  graph: GraphSpan[] | null;
  start: number;
  end: number;
  spanCount: number;
  /** By service, name hash and kind (one number, see operationOf); the name's bytes confirm a hit. */
  operations: Map<number | string, { stats: OperationStats; nameBytes: Uint8Array }>;
  /** A small number per service seen, for operation keys. */
  services: Map<string, number>;
  /** Span-level term hashes as found, repeats included (deduplicated once, at the end). */
  spanTerms: number[];
  resourceTerms: Uint32Array[];
}

/**
 * The digest of a trace's bytes; with `graph`, also each span's facts for the service graph, in
 * the same pass (the flush computes both, and the walk over attributes is most of the cost).
 */
export function digestOtlp(traceId: string, body: Uint8Array, graph: GraphSpan[] | null = null): TraceDigest {
  const reader = new protobuf.Reader(body);
  const state: Digesting = { traceId, graph, start: Infinity, end: -Infinity, spanCount: 0, operations: new Map(), services: new Map(), spanTerms: [], resourceTerms: [] };
  // ExportTraceServiceRequest: 1 resource_spans.
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) resourceSpans(reader, end(reader), state);
    else reader.skipType(tag & 7);
  }
  const empty = state.spanCount === 0;
  return {
    traceId,
    startUs: micros(empty ? 0 : state.start),
    durationUs: micros(empty ? 0 : Math.max(0, state.end - state.start)),
    spanCount: state.spanCount,
    operations: [...state.operations.values()].map((op) => op.stats),
    exact: true,
    spanTerms: distinctSorted(state.spanTerms),
    resourceTerms: state.resourceTerms,
  };
}

/** The distinct values, via a native typed-array sort: cheaper than a Set of hundreds of numbers. */
function distinctSorted(values: number[]): Uint32Array {
  const sorted = Uint32Array.from(values).sort();
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[kept - 1]) sorted[kept++] = sorted[i] as number;
  return sorted.slice(0, kept);
}

function end(reader: Reader): number {
  const length = reader.uint32();
  return reader.pos + length;
}

/** ResourceSpans: 1 resource, 2 scope_spans, 3 schema_url. The resource may follow its spans. */
function resourceSpans(reader: Reader, stop: number, state: Digesting): void {
  const scopes: number[] = [];
  let known: KnownResource = NO_RESOURCE;
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) {
      known = resource(reader, end(reader));
    } else if (tag >>> 3 === 2 && (tag & 7) === LEN) {
      const scopeEnd = end(reader);
      scopes.push(reader.pos, scopeEnd);
      reader.pos = scopeEnd;
    } else reader.skipType(tag & 7);
  }
  state.resourceTerms.push(known.terms);
  for (let i = 0; i < scopes.length; i += 2) {
    reader.pos = scopes[i] as number;
    scopeSpans(reader, scopes[i + 1] as number, known.service, state);
  }
  reader.pos = stop;
}

interface KnownResource {
  bytes: Uint8Array;
  service: string;
  terms: Uint32Array;
}

const NO_RESOURCE: KnownResource = { bytes: new Uint8Array(0), service: UNKNOWN_SERVICE, terms: new Uint32Array(0) };

/**
 * Resources already digested, by their bytes. A flush digests thousands of traces from a handful
 * of service instances, each trace repeating its resources' bytes: reading each resource once, and
 * handing every trace the same terms array, saves a fifth of the work (and lets a block store each
 * resource's terms once). Bounded; the bytes are compared, so a hash collision cannot mix two up.
 */
const knownResources = new Map<string, KnownResource>();
const MAX_KNOWN_RESOURCES = 1_000;

function resource(reader: Reader, stop: number): KnownResource {
  const start = reader.pos;
  const key = `${hashBytes(hashStart(), reader.buf, start, stop) >>> 0}:${stop - start}`;
  const hit = knownResources.get(key);
  if (hit && equalBytes(hit.bytes, reader.buf, start, stop)) {
    reader.pos = stop;
    return hit;
  }
  const { service, terms } = readResource(reader, stop);
  const known = { bytes: reader.buf.slice(start, stop), service, terms: Uint32Array.from(terms) };
  if (knownResources.size >= MAX_KNOWN_RESOURCES) knownResources.clear();
  knownResources.set(key, known);
  return known;
}

/** Resource: 1 attributes. Its service is the first service.name attribute's, as serviceNameOf reads it. */
function readResource(reader: Reader, stop: number): { service: string; terms: Set<number> } {
  const terms = new Set<number>();
  let service: string | undefined;
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) {
      terms.add(keyValue(reader, end(reader)));
      if (service === undefined && isServiceName(reader.buf)) {
        const after = reader.pos;
        let value: AnyValue = {};
        if (kv.valueStart >= 0) {
          reader.pos = kv.valueStart;
          value = anyValue(reader, kv.valueEnd, 0);
        }
        reader.pos = after;
        service = serviceNameOf({ attributes: [{ key: "service.name", value }] });
      }
    } else reader.skipType(tag & 7);
  }
  return { service: service ?? UNKNOWN_SERVICE, terms };
}

/** ScopeSpans: 1 scope, 2 spans. The scope's terms count for every span under it. */
function scopeSpans(reader: Reader, stop: number, service: string, state: Digesting): void {
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) scope(reader, end(reader), state.spanTerms);
    else if (tag >>> 3 === 2 && (tag & 7) === LEN) span(reader, end(reader), service, state);
    else reader.skipType(tag & 7);
  }
}

/** InstrumentationScope: 1 name, 2 version, 3 attributes. */
function scope(reader: Reader, stop: number, terms: number[]): void {
  let name = "";
  let version = "";
  while (reader.pos < stop) {
    const tag = reader.tag();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === LEN) name = reader.string();
    else if (field === 2 && (tag & 7) === LEN) version = reader.string();
    else if (field === 3 && (tag & 7) === LEN) terms.push(keyValue(reader, end(reader)));
    else reader.skipType(tag & 7);
  }
  terms.push(scopeNameTerm(name), scopeVersionTerm(version));
}

/** Span: 5 name, 6 kind, 7 start, 8 end (fixed64), 9 attributes, 11 events, 13 links, 15 status (3 code). */
function span(reader: Reader, stop: number, service: string, state: Digesting): void {
  let nameStart = 0;
  let nameEnd = 0;
  let kind = 0;
  let status = 0;
  let startUs = 0;
  let startNs = 0;
  let endUs = 0;
  let endNs = 0;
  const terms = state.spanTerms;
  const graph = state.graph;
  let traceId = "";
  let spanId = "";
  let parentSpanId = "";
  let peer: PeerAttributes | undefined;
  let links: GraphSpan["links"];
  while (reader.pos < stop) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        if (graph && (tag & 7) === LEN) traceId = hexOf(reader);
        else reader.skipType(tag & 7);
        break;
      case 2:
        if (graph && (tag & 7) === LEN) spanId = hexOf(reader);
        else reader.skipType(tag & 7);
        break;
      case 4:
        if (graph && (tag & 7) === LEN) parentSpanId = hexOf(reader);
        else reader.skipType(tag & 7);
        break;
      case 5:
        nameEnd = end(reader);
        nameStart = reader.pos;
        reader.pos = nameEnd;
        break;
      case 6:
        kind = reader.int32();
        break;
      case 7:
        fixed64Micros(reader);
        startUs = time.us;
        startNs = time.ns;
        break;
      case 8:
        fixed64Micros(reader);
        endUs = time.us;
        endNs = time.ns;
        break;
      case 9:
        terms.push(keyValue(reader, end(reader)));
        // One integer compare an attribute: marks traces that report tokens (terms.ts).
        if (GENAI_USAGE_KEY_HASHES.has(kv.keyHash)) terms.push(GENAI_USAGE_TERM);
        if (graph) peer = peerAttribute(reader.buf, peer);
        break;
      case 11:
        attributesOf(reader, end(reader), 3, terms);
        break;
      case 13: {
        const linkEnd = end(reader);
        if (graph) {
          const link = linkIds(reader, reader.pos, linkEnd);
          // A batch consumer may link hundreds of messages; pairing needs to find one producer.
          if (link && (links?.length ?? 0) < MAX_GRAPH_LINKS) (links ??= []).push(link);
        }
        attributesOf(reader, linkEnd, 4, terms);
        break;
      }
      case 15:
        status = statusCode(reader, end(reader));
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  const spanKind = (kind >= 0 && kind <= 5 ? kind : 0) as SpanKind;
  const code = (status >= 0 && status <= 2 ? status : 0) as StatusCode;
  addSpanFieldTerms(terms, spanKind, code);
  const lengthUs = Math.max(0, Math.trunc(((endUs - startUs) * 1000 + endNs - startNs) / 1000));
  state.start = Math.min(state.start, startUs);
  state.end = Math.max(state.end, endUs);
  state.spanCount++;
  const stats = operationOf(state, reader.buf, service, nameStart, nameEnd, spanKind);
  stats.minSpanUs = micros(Math.min(stats.minSpanUs, lengthUs));
  stats.maxSpanUs = micros(Math.max(stats.maxSpanUs, lengthUs));
  stats.errors ||= code === 2;
  if (graph) {
    graph.push({
      traceId: traceId || state.traceId,
      spanId,
      parentSpanId: parentSpanId === ZERO_SPAN_ID ? "" : parentSpanId,
      service,
      name: stats.name,
      kind: spanKind,
      startUs,
      durationUs: lengthUs,
      error: code === Status.ERROR,
      peer: spanKind === Kind.CLIENT || spanKind === Kind.PRODUCER ? peer : undefined,
      links,
    });
  }
}

const ZERO_SPAN_ID = "0000000000000000";
const MAX_PEER_NAME = 200;
const MAX_GRAPH_LINKS = 32;
const PEER_KEY_BYTES = PEER_KEYS.map(([key, field]) => [new TextEncoder().encode(key), field] as const);

/**
 * Which PEER_KEYS entry set each field of the span being read (its index: lower is newer), so a
 * span carrying both conventions is named by the newer one whichever comes first. Scratch state,
 * reset with each span's first peer attribute (reading is synchronous).
 */
const peerRank = new Map<keyof PeerAttributes, number>();

/** Adds the attribute `kv` points at to `peer` if it is one that names a callee (string values only). */
function peerAttribute(buf: Uint8Array, peer: PeerAttributes | undefined): PeerAttributes | undefined {
  const length = kv.keyEnd - kv.keyStart;
  for (let rank = 0; rank < PEER_KEY_BYTES.length; rank++) {
    const [key, field] = PEER_KEY_BYTES[rank] as (typeof PEER_KEY_BYTES)[number];
    if (key.length !== length || kv.valueStart < 0) continue;
    let same = true;
    for (let i = 0; i < length && same; i++) same = buf[kv.keyStart + i] === key[i];
    if (!same) continue;
    const value = stringValue(buf, kv.valueStart, kv.valueEnd);
    if (value === undefined) return peer;
    if (peer === undefined) {
      peer = {};
      peerRank.clear();
    }
    // The newer convention wins over the older one it replaced (listed first in PEER_KEYS).
    const held = peerRank.get(field);
    if (held !== undefined && held < rank) return peer;
    peerRank.set(field, rank);
    // A name longer than this is no node name anyone reads: keep held spans and buckets small.
    peer[field] = value.length > MAX_PEER_NAME ? value.slice(0, MAX_PEER_NAME) : value;
    return peer;
  }
  return peer;
}

/** An AnyValue's string_value (field 1), or undefined. */
function stringValue(buf: Uint8Array, start: number, stop: number): string | undefined {
  const reader = new protobuf.Reader(buf.subarray(start, stop));
  let value: string | undefined;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) value = reader.string();
    else reader.skipType(tag & 7);
  }
  return value;
}

/** A Span.Link's trace and span ids (fields 1, 2); leaves the reader where it was. */
function linkIds(reader: Reader, start: number, stop: number): { traceId: string; spanId: string } | null {
  const back = reader.pos;
  reader.pos = start;
  let traceId = "";
  let spanId = "";
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) traceId = hexOf(reader);
    else if (tag >>> 3 === 2 && (tag & 7) === LEN) spanId = hexOf(reader);
    else reader.skipType(tag & 7);
  }
  reader.pos = back;
  return traceId && spanId ? { traceId, spanId } : null;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** A length-delimited bytes field as lower-case hex. */
function hexOf(reader: Reader): string {
  const stop = end(reader);
  let hex = "";
  for (let i = reader.pos; i < stop; i++) hex += HEX[reader.buf[i] as number];
  reader.pos = stop;
  return hex;
}

/**
 * The stats of (service, span name, kind), found by a hash of the name's bytes so the name is
 * decoded once per operation rather than once per span; the bytes are compared on a hit.
 */
function operationOf(state: Digesting, buf: Uint8Array, service: string, nameStart: number, nameEnd: number, kind: SpanKind): OperationStats {
  let serviceId = state.services.get(service);
  if (serviceId === undefined) state.services.set(service, (serviceId = state.services.size));
  // A number, not a string: no allocation per span. < 2^32 · 8 · 1024, exact in a double.
  let key: number | string = ((hashBytes(hashStart(), buf, nameStart, nameEnd) >>> 0) * 8 + kind) * 1024 + (serviceId % 1024);
  let entry = state.operations.get(key);
  if (entry && (entry.stats.service !== service || !equalBytes(entry.nameBytes, buf, nameStart, nameEnd))) {
    // Two operations with one key (never seen in practice): the second goes under an exact key.
    key = `${service}\t${kind}\t${utf8.decode(buf.subarray(nameStart, nameEnd))}`;
    entry = state.operations.get(key);
  }
  if (!entry) {
    const name = utf8.decode(buf.subarray(nameStart, nameEnd));
    entry = { stats: { service, name, kind, minSpanUs: micros(Infinity), maxSpanUs: micros(0), errors: false }, nameBytes: buf.slice(nameStart, nameEnd) };
    state.operations.set(key, entry);
  }
  return entry.stats;
}

const utf8 = new TextDecoder();

function equalBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

/** The attributes (field `field`) of a Span.Event (3) or Span.Link (4). */
function attributesOf(reader: Reader, stop: number, field: number, terms: number[]): void {
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === field && (tag & 7) === LEN) terms.push(keyValue(reader, end(reader)));
    else reader.skipType(tag & 7);
  }
}

/** Status: 3 code. */
function statusCode(reader: Reader, stop: number): number {
  let code = 0;
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === 3 && (tag & 7) === VARINT) code = reader.int32();
    else reader.skipType(tag & 7);
  }
  return code;
}

/** The last timestamp read, as whole µs and the ns left over (a scratch object: no allocation per span). */
const time = { us: 0, ns: 0 };

/** fixed64 ns → `time`, exactly: ns since the epoch exceed 2^53, so no plain number conversion. */
function fixed64Micros(reader: Reader): void {
  const lo = reader.fixed32();
  const hi = reader.fixed32();
  // hi·2^32 + lo = hi·4294967·1000 + (hi·296 + lo), and the second part stays well under 2^53.
  const rest = hi * 296 + lo;
  time.us = hi * 4_294_967 + Math.floor(rest / 1000);
  time.ns = rest % 1000;
}

/** Where a KeyValue's key and value bytes are; one scratch object reused for every attribute. */
const kv = { keyStart: 0, keyEnd: 0, valueStart: -1, valueEnd: -1, keyHash: 0 };

/** KeyValue: 1 key, 2 value. Hashes "key=value" from the bytes; leaves `kv` pointing at both. */
function keyValue(reader: Reader, stop: number): number {
  kv.valueStart = -1;
  kv.keyStart = kv.keyEnd = 0;
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) {
      kv.keyEnd = end(reader);
      kv.keyStart = reader.pos;
      reader.pos = kv.keyEnd;
    } else if (tag >>> 3 === 2 && (tag & 7) === LEN) {
      kv.valueEnd = end(reader);
      kv.valueStart = reader.pos;
      reader.pos = kv.valueEnd;
    } else reader.skipType(tag & 7);
  }
  let hash = hashKey(hashBytes(hashStart(), reader.buf, kv.keyStart, kv.keyEnd));
  kv.keyHash = hash;
  if (kv.valueStart >= 0) {
    reader.pos = kv.valueStart;
    hash = hashValue(reader, kv.valueEnd, hash);
  }
  reader.pos = stop;
  return hash >>> 0;
}

/** Whether the KeyValue `kv` points at has the key service.name. */
function isServiceName(buf: Uint8Array): boolean {
  if (kv.keyEnd - kv.keyStart !== SERVICE_NAME_UTF8.length) return false;
  for (let i = 0; i < SERVICE_NAME_UTF8.length; i++) if (buf[kv.keyStart + i] !== SERVICE_NAME_UTF8[i]) return false;
  return true;
}

/**
 * Continues `hash` over an AnyValue's string form: 1 string, 2 bool, 3 int64, 4 double, 5 array,
 * 6 kvlist, 7 bytes. The last field wins, as protobuf's oneof rules say.
 */
function hashValue(reader: Reader, stop: number, hash: number): number {
  let valueTag = 0;
  let at = reader.pos;
  while (reader.pos < stop) {
    at = reader.pos;
    valueTag = reader.tag();
    reader.skipType(valueTag & 7);
  }
  if (valueTag === 0) return hash;
  reader.pos = at;
  reader.tag();
  switch (valueTag >>> 3) {
    case 1: {
      const stringEnd = end(reader);
      return hashBytes(hash, reader.buf, reader.pos, stringEnd);
    }
    case 2:
      return hashUtf8(hash, reader.bool() ? "true" : "false");
    case 3:
      return hashUtf8(hash, int64String(reader));
    case 4:
      return hashUtf8(hash, String(reader.double()));
    case 7:
      return hashUtf8(hash, bytesToBase64(reader.bytes()));
    default: {
      reader.pos = at;
      return hashUtf8(hash, attributeString(anyValue(reader, stop, 0)));
    }
  }
}

/** A varint int64 in decimal: exact, two's complement for negatives. */
function int64String(reader: Reader): string {
  const buf = reader.buf;
  let small = 0;
  let scale = 1;
  for (let i = 0; i < 7 && reader.pos < reader.len; i++) {
    const byte = buf[reader.pos++] as number;
    small += (byte & 0x7f) * scale;
    if (byte < 0x80) return String(small);
    scale *= 128;
  }
  // Past 49 bits (large or negative numbers): redo it in BigInt.
  let value = BigInt(small);
  let shift = 49n;
  while (reader.pos < reader.len) {
    const byte = buf[reader.pos++] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) break;
    shift += 7n;
  }
  return BigInt.asIntN(64, value).toString();
}

/** A whole AnyValue (from the value's first tag), for arrays and maps, which are printed as JSON. */
function anyValue(reader: Reader, stop: number, depth: number): AnyValue {
  let value: AnyValue = {};
  while (reader.pos < stop) {
    const tag = reader.tag();
    switch (tag >>> 3) {
      case 1:
        value = { stringValue: reader.string() };
        break;
      case 2:
        value = { boolValue: reader.bool() };
        break;
      case 3:
        value = { intValue: int64String(reader) };
        break;
      case 4:
        value = { doubleValue: reader.double() };
        break;
      case 5:
      case 6: {
        const listEnd = end(reader);
        const values: Array<AnyValue | KeyValue> = [];
        while (reader.pos < listEnd) {
          const inner = reader.tag();
          if (inner >>> 3 === 1 && (inner & 7) === LEN && depth < 32) {
            const itemEnd = end(reader);
            values.push(tag >>> 3 === 5 ? anyValue(reader, itemEnd, depth + 1) : kvDecoded(reader, itemEnd, depth + 1));
          } else reader.skipType(inner & 7);
        }
        value = tag >>> 3 === 5 ? { arrayValue: { values: values as AnyValue[] } } : { kvlistValue: { values: values as KeyValue[] } };
        break;
      }
      case 7:
        value = { bytesValue: bytesToBase64(reader.bytes()) };
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return value;
}

function kvDecoded(reader: Reader, stop: number, depth: number): KeyValue {
  let key = "";
  let value: AnyValue = {};
  while (reader.pos < stop) {
    const tag = reader.tag();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) key = reader.string();
    else if (tag >>> 3 === 2 && (tag & 7) === LEN) {
      const valueEnd = end(reader);
      value = anyValue(reader, valueEnd, depth);
    } else reader.skipType(tag & 7);
  }
  return { key, value };
}
