/**
 * The rules a span must meet to be stored. A span that breaks one is dropped and reported in the
 * OTLP partial-success answer; the valid spans of the same request are kept.
 */
import type { Span } from "../model/span";
import { compareNanos } from "../model/time";

const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/**
 * Why `span` cannot be stored, or undefined if it can.
 *
 * Ids must already be lowercase hex: the protobuf decoder makes them from bytes, the JSON decoder
 * checks its strings. Only lengths and zeros are checked here, as that is all that is left, and a
 * regex over every id was a quarter of protobuf decoding time.
 *
 * Links are not checked: the OTel spec lets SDKs record a link with an empty or zero span context
 * when it carries attributes or trace state, so such a link is no reason to drop its span.
 */
export function spanProblem(
  span: Pick<Span, "traceId" | "spanId" | "parentSpanId" | "startTimeUnixNano" | "endTimeUnixNano">,
): string | undefined {
  if (span.traceId.length !== 32) return `traceId must be 16 bytes (32 hex digits), got ${span.traceId.length / 2} bytes`;
  if (span.traceId === ZERO_TRACE_ID) return "traceId must not be all zeros";
  if (span.spanId.length !== 16) return `spanId must be 8 bytes (16 hex digits), got ${span.spanId.length / 2} bytes`;
  if (span.spanId === ZERO_SPAN_ID) return "spanId must not be all zeros";
  if (span.parentSpanId !== "" && span.parentSpanId.length !== 16) {
    return `parentSpanId must be empty or 8 bytes (16 hex digits), got ${span.parentSpanId.length / 2} bytes`;
  }
  if (span.startTimeUnixNano === "0") return "startTimeUnixNano must be set";
  if (span.endTimeUnixNano === "0") return "endTimeUnixNano must be set";
  if (compareNanos(span.endTimeUnixNano, span.startTimeUnixNano) < 0) return "endTimeUnixNano must not be before startTimeUnixNano";
  return undefined;
}

/** OTLP says an all-zero parent is no parent; storing "" keeps "is this a root?" a single test. */
export function normaliseParent(parentSpanId: string): string {
  return parentSpanId === ZERO_SPAN_ID ? "" : parentSpanId;
}
