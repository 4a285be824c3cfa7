/**
 * The rules a span must meet to be stored. A span that breaks one is dropped and reported in the
 * OTLP partial-success answer; the valid spans of the same request are kept.
 */
import type { Span } from "../model/span";
import { compareNanos } from "../model/time";

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/** Why `span` cannot be stored, or undefined if it can. Ids must already be lowercase hex. */
export function spanProblem(span: Span): string | undefined {
  if (!TRACE_ID.test(span.traceId)) return `traceId must be 16 bytes (32 hex digits), got ${describeId(span.traceId)}`;
  if (span.traceId === ZERO_TRACE_ID) return "traceId must not be all zeros";
  if (!SPAN_ID.test(span.spanId)) return `spanId must be 8 bytes (16 hex digits), got ${describeId(span.spanId)}`;
  if (span.spanId === ZERO_SPAN_ID) return "spanId must not be all zeros";
  if (span.parentSpanId !== "" && !SPAN_ID.test(span.parentSpanId)) {
    return `parentSpanId must be empty or 8 bytes (16 hex digits), got ${describeId(span.parentSpanId)}`;
  }
  if (span.startTimeUnixNano === "0") return "startTimeUnixNano must be set";
  if (compareNanos(span.endTimeUnixNano, span.startTimeUnixNano) < 0) return "endTimeUnixNano must not be before startTimeUnixNano";
  return undefined;
}

function describeId(id: string): string {
  return /^[0-9a-f]*$/.test(id) && id.length % 2 === 0 ? `${id.length / 2} bytes` : `"${id.slice(0, 40)}"`;
}

/** OTLP says an all-zero parent is no parent; storing "" keeps "is this a root?" a single test. */
export function normaliseParent(parentSpanId: string): string {
  return parentSpanId === ZERO_SPAN_ID ? "" : parentSpanId;
}
