/**
 * The one span model of edgetrace, shared by the Worker, the Durable Objects and the web app.
 *
 * It mirrors OTLP's JSON encoding (lowerCamelCase, hex ids, int64 as decimal strings, bytes as
 * base64) so a stored span can be handed to the Jaeger v3 API as it is, and it keeps everything an
 * exporter sent — attributes of every type, events, links, status, trace state, dropped counts —
 * so nothing is lost between ingest and read-back.
 *
 * Resources and instrumentation scopes are shared by many spans, so a batch stores each once and
 * spans point at them by index (`resource`, `scope`), as OTLP's ResourceSpans → ScopeSpans nesting
 * does, but flat: flat lists are what grouping, deduplication and merging need.
 */

/** OTLP AnyValue in its JSON form: exactly one key is set. `intValue` is a decimal int64 string. */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { bytesValue: string }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  /** An AnyValue with no value set (OTLP allows it; it means "empty"). */
  | Record<string, never>;

export interface KeyValue {
  key: string;
  value: AnyValue;
}

/** Nanoseconds since the Unix epoch as a decimal string: int64 does not fit a JS number. */
export type UnixNanos = string;

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

export interface Scope {
  name: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

export interface SpanEvent {
  timeUnixNano: UnixNanos;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export interface SpanStatus {
  code: StatusCode;
  message?: string;
}

export interface Span {
  /** 32 lowercase hex characters, never all zero. */
  traceId: string;
  /** 16 lowercase hex characters, never all zero. */
  spanId: string;
  /** 16 lowercase hex characters, or "" for a root span. */
  parentSpanId: string;
  traceState?: string;
  flags?: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: UnixNanos;
  endTimeUnixNano: UnixNanos;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  events: SpanEvent[];
  droppedEventsCount?: number;
  links: SpanLink[];
  droppedLinksCount?: number;
  status: SpanStatus;
  /** Index into the enclosing batch's `resources`. */
  resource: number;
  /** Index into the enclosing batch's `scopes`. */
  scope: number;
}

/** Spans with the resources and scopes they point at: one ingest group, or one whole trace. */
export interface SpanBatch {
  resources: Resource[];
  scopes: Scope[];
  spans: Span[];
}

/** Every span of one trace that edgetrace holds, deduplicated by span id. */
export interface Trace extends SpanBatch {
  traceId: string;
}

export const SERVICE_NAME = "service.name";
export const UNKNOWN_SERVICE = "unknown_service";

/** The `service.name` of a resource, as OTel SDKs set it (they default to `unknown_service:<process>`). */
export function serviceNameOf(resource: Resource | undefined): string {
  const attribute = resource?.attributes.find((kv) => kv.key === SERVICE_NAME);
  const value = attribute?.value;
  return value && "stringValue" in value && value.stringValue !== "" ? value.stringValue : UNKNOWN_SERVICE;
}
