/**
 * A compact, lossless encoding of a Jaeger v1 trace, for our own app only
 * (`GET /api/traces/{id}?format=compact`); Jaeger UI and Grafana get Jaeger's JSON unchanged.
 *
 * Why: most of Jaeger's JSON is its own framing — `{"key":…,"type":"string","value":…}` around
 * every tag, the trace id twice on every span. For a 10,000-span trace that is 8.6 MB where 2.4 MB
 * say the same, and every byte is paid for three times on the way to the screen: serialized by the
 * Worker, compressed at the edge, parsed by the browser. Measured on the benchmark's trace (Node,
 * quiet machine): stringify + gzip + parse fall from ~250 ms to ~130 ms, gzip from 295 to 189 KB.
 *
 * The app expands it back into the very objects Jaeger's JSON parses into (`expandTrace`, same
 * keys in the same order), so everything downstream — the view, its Jaeger JSON download — is
 * unchanged; v1-compact.test.ts holds `expandTrace(compactTrace(t))` to serialize as `t` does.
 *
 * Shape (arrays, positions fixed; `format` names the version):
 *   trace: { format: "compact/1", traceID, keys: string[], spans: CompactSpan[], processes, warnings }
 *   span:  [traceID | 0, spanID, flags, operationName, references, startTime, duration, tags, logs, processID, warnings]
 *          — 0 for the trace's own traceID
 *   reference: [0 (CHILD_OF) | 1 (FOLLOWS_FROM), traceID | 0, spanID]
 *   tags:  flat [keyIndex, typeIndex, value, keyIndex, typeIndex, value, …] — keys by index into `keys`
 *   log:   [timestamp, tags]
 */
import type { JaegerKeyValue, JaegerLog, JaegerReference, JaegerSpan, JaegerTagType, JaegerTrace } from "./v1-types";

export const COMPACT_FORMAT = "compact/1";

/** `format` query value that asks `GET /api/traces/{id}` for this encoding. */
export const COMPACT_QUERY = "compact";

type CompactTags = (number | string | boolean)[];
type CompactReference = [refType: 0 | 1, traceID: string | 0, spanID: string];
type CompactLog = [timestamp: number, fields: CompactTags];
type CompactSpan = [
  traceID: string | 0,
  spanID: string,
  flags: number,
  operationName: string,
  references: CompactReference[],
  startTime: number,
  duration: number,
  tags: CompactTags,
  logs: CompactLog[],
  processID: string,
  warnings: string[] | null,
];

export interface CompactTrace {
  format: typeof COMPACT_FORMAT;
  traceID: string;
  keys: string[];
  spans: CompactSpan[];
  processes: JaegerTrace["processes"];
  warnings: string[] | null;
}

const TYPES: readonly JaegerTagType[] = ["string", "bool", "int64", "float64", "binary"];
const TYPE_INDEX: Record<JaegerTagType, number> = { string: 0, bool: 1, int64: 2, float64: 3, binary: 4 };
const REF_TYPES: readonly JaegerReference["refType"][] = ["CHILD_OF", "FOLLOWS_FROM"];

export function compactTrace(trace: JaegerTrace): CompactTrace {
  const keyIndex = new Map<string, number>();
  const tags = (list: JaegerKeyValue[]): CompactTags => {
    const out: CompactTags = [];
    for (const { key, type, value } of list) {
      let k = keyIndex.get(key);
      if (k === undefined) keyIndex.set(key, (k = keyIndex.size));
      out.push(k, TYPE_INDEX[type], value);
    }
    return out;
  };
  const own = (traceID: string): string | 0 => (traceID === trace.traceID ? 0 : traceID);
  const spans = trace.spans.map(
    (span): CompactSpan => [
      own(span.traceID),
      span.spanID,
      span.flags,
      span.operationName,
      span.references.map((ref): CompactReference => [ref.refType === "CHILD_OF" ? 0 : 1, own(ref.traceID), ref.spanID]),
      span.startTime,
      span.duration,
      tags(span.tags),
      span.logs.map((log): CompactLog => [log.timestamp, tags(log.fields)]),
      span.processID,
      span.warnings,
    ],
  );
  return { format: COMPACT_FORMAT, traceID: trace.traceID, keys: [...keyIndex.keys()], spans, processes: trace.processes, warnings: trace.warnings };
}

export function isCompactTrace(value: unknown): value is CompactTrace {
  return typeof value === "object" && value !== null && (value as { format?: unknown }).format === COMPACT_FORMAT;
}

/** The Jaeger trace `compactTrace` was given: equal objects, keys in Jaeger's order. */
export function expandTrace(compact: CompactTrace): JaegerTrace {
  const { traceID, keys } = compact;
  const tags = (flat: CompactTags): JaegerKeyValue[] => {
    const out: JaegerKeyValue[] = new Array(flat.length / 3);
    for (let i = 0, n = 0; i < flat.length; i += 3) {
      out[n++] = { key: keys[flat[i] as number] as string, type: TYPES[flat[i + 1] as number] as JaegerTagType, value: flat[i + 2] as JaegerKeyValue["value"] };
    }
    return out;
  };
  const id = (value: string | 0): string => (value === 0 ? traceID : value);
  const spans = compact.spans.map(
    ([spanTraceID, spanID, flags, operationName, references, startTime, duration, spanTags, logs, processID, warnings]): JaegerSpan => ({
      traceID: id(spanTraceID),
      spanID,
      flags,
      operationName,
      references: references.map(([refType, refTraceID, refSpanID]): JaegerReference => ({ refType: REF_TYPES[refType] as JaegerReference["refType"], traceID: id(refTraceID), spanID: refSpanID })),
      startTime: startTime as JaegerSpan["startTime"],
      duration: duration as JaegerSpan["duration"],
      tags: tags(spanTags),
      logs: logs.map(([timestamp, fields]): JaegerLog => ({ timestamp: timestamp as JaegerLog["timestamp"], fields: tags(fields) })),
      processID,
      warnings,
    }),
  );
  return { traceID, spans, processes: compact.processes, warnings: compact.warnings };
}
