/**
 * A whole trace as read back (every segment merged) in the span facts the detector reads — the
 * same facts a flush takes from the stored bytes (worker/trace-index/digest.ts), so a trace is
 * judged the same way at flush and when it is opened.
 */
import { PEER_KEYS, type GraphSpan, type PeerAttributes } from "../model/service-graph";
import { serviceNameOf, SpanKind, StatusCode, type Trace } from "../model/span";
import { nanosToMicros } from "../model/time";

export function graphSpansOf(trace: Trace): GraphSpan[] {
  const services = trace.resources.map((resource) => serviceNameOf(resource));
  return trace.spans.map((span) => {
    const startUs = nanosToMicros(span.startTimeUnixNano);
    const caller = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
    return {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      service: services[span.resource] ?? "unknown_service",
      name: span.name,
      kind: span.kind,
      startUs,
      durationUs: Math.max(0, nanosToMicros(span.endTimeUnixNano) - startUs),
      error: span.status.code === StatusCode.ERROR,
      peer: caller ? peerOf(span.attributes) : undefined,
      links: span.links.length ? span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })) : undefined,
    };
  });
}

/** The first of each peer attribute, in PEER_KEYS' order of preference (string values only, as the flush reads them). */
function peerOf(attributes: Trace["spans"][number]["attributes"]): PeerAttributes | undefined {
  let peer: PeerAttributes | undefined;
  for (const [key, field] of PEER_KEYS) {
    if (peer?.[field] !== undefined) continue;
    const value = attributes.find((kv) => kv.key === key)?.value;
    if (value && "stringValue" in value && value.stringValue) (peer ??= {})[field] = value.stringValue;
  }
  return peer;
}
