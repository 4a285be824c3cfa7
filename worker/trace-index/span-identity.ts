/**
 * When two stored copies of a span are the same span. Exporters resend whole batches on retry, so
 * one span arriving twice is normal and must be kept once; but two DIFFERENT spans may share an
 * id (Zipkin-style instrumentation gives a call's client and server halves one id), and keeping
 * only one would lose data that Jaeger's adjusters know how to show. A retried span is the same
 * bytes; the halves of a shared span are not. Read-side counterpart: assemble.ts.
 */
import type { SpanRef } from "../otlp/protobuf-slice";
import { hashBytes, hashStart } from "./terms";

/** The key a trace-assembly flush deduplicates spans by: the span's id and a hash of its bytes. */
export function spanCopyKey(body: Uint8Array, ref: SpanRef): string {
  const [start, end] = ref.span.bytes;
  return `${ref.span.spanId}/${end - start}/${hashBytes(hashStart(), body, start, end) >>> 0}`;
}
