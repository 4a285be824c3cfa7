/**
 * Cuts a scanned `ExportTraceServiceRequest` into smaller requests by copying bytes: each output
 * holds some of the spans, under copies of their resource and scope headers. No span is decoded
 * or re-encoded, so the stored bytes are exactly what the exporter sent. Concatenated outputs are
 * themselves a valid request (protobuf appends repeated fields), which is how a trace's pieces
 * from many requests become one trace.
 */
import type { ByteRange, ScannedRequest, ScannedResource, ScannedScope, ScannedSpan } from "./protobuf-scan";

export interface SpanRef {
  resource: ScannedResource;
  scope: ScannedScope;
  span: ScannedSpan;
}

/** All valid spans of a scan, with the resource and scope each belongs to. */
export function* spanRefs(scan: ScannedRequest): Generator<SpanRef> {
  for (const resource of scan.resources) {
    for (const scope of resource.scopes) {
      for (const span of scope.spans) yield { resource, scope, span };
    }
  }
}

/** A request holding just `refs` (in order), as bytes copied from `body`. */
export function sliceRequest(body: Uint8Array, refs: SpanRef[]): Uint8Array {
  // Group by resource, then scope, keeping first-seen order.
  const resources = new Map<ScannedResource, Map<ScannedScope, ScannedSpan[]>>();
  for (const { resource, scope, span } of refs) {
    let scopes = resources.get(resource);
    if (!scopes) resources.set(resource, (scopes = new Map()));
    let spans = scopes.get(scope);
    if (!spans) scopes.set(scope, (spans = []));
    spans.push(span);
  }
  // Sizes first, so every byte is written once into one buffer.
  const plan: Array<{ resource: ScannedResource; payload: number; scopes: Array<{ scope: ScannedScope; payload: number; spans: ScannedSpan[] }> }> = [];
  let total = 0;
  for (const [resource, scopes] of resources) {
    let resourcePayload = rangesLength(resource.header);
    const scopePlans = [];
    for (const [scope, spans] of scopes) {
      const payload = rangesLength(scope.header) + spans.reduce((n, s) => n + s.bytes[1] - s.bytes[0], 0);
      scopePlans.push({ scope, payload, spans });
      resourcePayload += 1 + varintLength(payload) + payload;
    }
    plan.push({ resource, payload: resourcePayload, scopes: scopePlans });
    total += 1 + varintLength(resourcePayload) + resourcePayload;
  }
  const out = new Uint8Array(total);
  let at = 0;
  const copy = ([start, end]: ByteRange) => {
    out.set(body.subarray(start, end), at);
    at += end - start;
  };
  for (const { resource, payload, scopes } of plan) {
    out[at++] = (1 << 3) | 2; // ExportTraceServiceRequest.resource_spans
    at = writeVarint(out, at, payload);
    resource.header.forEach(copy);
    for (const { scope, payload: scopePayload, spans } of scopes) {
      out[at++] = (2 << 3) | 2; // ResourceSpans.scope_spans
      at = writeVarint(out, at, scopePayload);
      scope.header.forEach(copy);
      for (const span of spans) copy(span.bytes);
    }
  }
  return out;
}

function rangesLength(ranges: ByteRange[]): number {
  return ranges.reduce((n, [start, end]) => n + end - start, 0);
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}
