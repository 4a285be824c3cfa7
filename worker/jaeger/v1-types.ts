/** Jaeger's query API v1 JSON shapes (jaeger `model/json`), as Jaeger UI and Grafana read them. */
import type { Micros } from "../model/time";

export type JaegerTagType = "string" | "bool" | "int64" | "float64" | "binary";

export interface JaegerKeyValue {
  key: string;
  type: JaegerTagType;
  value: string | boolean | number;
}

export interface JaegerReference {
  refType: "CHILD_OF" | "FOLLOWS_FROM";
  traceID: string;
  spanID: string;
}

export interface JaegerLog {
  timestamp: Micros;
  fields: JaegerKeyValue[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  flags: number;
  operationName: string;
  references: JaegerReference[];
  startTime: Micros;
  duration: Micros;
  tags: JaegerKeyValue[];
  logs: JaegerLog[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

export interface JaegerError {
  code: number;
  msg: string;
  traceID?: string;
}

/** Every v1 answer is wrapped in this envelope. */
export interface JaegerEnvelope<T> {
  data: T;
  total: number;
  limit: number;
  offset: number;
  errors: JaegerError[] | null;
}

export function envelope<T>(data: T, errors: JaegerError[] | null = null): JaegerEnvelope<T> {
  return { data, total: Array.isArray(data) ? data.length : 0, limit: 0, offset: 0, errors };
}

/** `GET /api/operations` items. `spanKind` is lower case ("server"), "" when unspecified. */
export interface JaegerOperation {
  name: string;
  spanKind: string;
}
