/**
 * Jaeger query API v3 JSON shapes (api_v3 over grpc-gateway): traces as OTLP JSON
 * (`{"result": {"resourceSpans": […]}}`, opentelemetry-proto's JSON mapping: lowerCamelCase, hex
 * ids, int64 as strings, enums as integers), and errors as grpc-gateway's `{"error": {…}}`.
 */
import type { KeyValue, Resource, Scope, SpanEvent, SpanLink, SpanStatus } from "../model/span";

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  events: SpanEvent[];
  droppedEventsCount?: number;
  links: SpanLink[];
  droppedLinksCount?: number;
  status: SpanStatus;
}

export interface OtlpScopeSpans {
  scope: Omit<Scope, "schemaUrl">;
  spans: OtlpSpan[];
  schemaUrl?: string;
}

export interface OtlpResourceSpans {
  resource: Omit<Resource, "schemaUrl">;
  scopeSpans: OtlpScopeSpans[];
  schemaUrl?: string;
}

export interface V3TracesResponse {
  result: { resourceSpans: OtlpResourceSpans[] };
}

export interface V3Error {
  error: { httpCode: number; message: string };
}

export interface V3Operation {
  name: string;
  spanKind: string;
}

export interface V3TraceSummary {
  traceId: string;
  rootServiceName: string;
  rootOperationName: string;
  minStartTimeUnixNano: string;
  maxEndTimeUnixNano: string;
  spanCount: number;
  errorSpanCount: number;
  orphanSpanCount: number;
  services: Array<{ name: string; spanCount: number; errorSpanCount: number }>;
}

export function v3Error(httpCode: number, message: string): V3Error {
  return { error: { httpCode, message } };
}
