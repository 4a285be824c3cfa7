/**
 * Reading a dropped or uploaded trace file. Accepted, in the shapes people actually have:
 * - Jaeger: the API envelope `{data:[trace, …]}` (Jaeger UI's download, ours), a bare trace
 *   `{traceID, spans, processes}`, or an array of traces;
 * - OTLP/JSON: an `ExportTraceServiceRequest` `{resourceSpans}`, the v3 API's
 *   `{result:{resourceSpans}}`, or JSON Lines of requests (the Collector's file exporter).
 *
 * OTLP goes through the Worker's own decoder and its Jaeger translation, so a file shows exactly as
 * the same spans would after ingest — one conversion path, tested once.
 */
import type { JaegerSpan, JaegerTrace } from "../../../../../worker/jaeger/v1-types";
import { toJaegerTrace } from "../../../../../worker/jaeger/v1-trace";
import { mergeTrace } from "../../../../../worker/model/batch";
import type { SpanBatch } from "../../../../../worker/model/span";
import { micros } from "../../../../../worker/model/time";
import { UndecodableBody } from "../../../../../worker/otlp/decoded";
import { decodeJsonRequest } from "../../../../../worker/otlp/json-decode";

export type TraceFileFormat = "jaeger" | "otlp";

export interface ImportedTraces {
  format: TraceFileFormat;
  traces: JaegerTrace[];
  /** Things worth telling the user: spans dropped as invalid, etc. */
  notes: string[];
}

/** A file we cannot show; the message is written for the person who dropped it. */
export class TraceFileError extends Error {}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseTraceFile(text: string): ImportedTraces {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const lines = text.split("\n").filter((l) => l.trim());
    if (lines.length > 1 && lines.every((l) => l.trimStart().startsWith("{"))) return fromOtlp(lines);
    throw new TraceFileError(`This file is not JSON (${(error as Error).message}).`);
  }
  if (isObject(json) && Array.isArray(json.resourceSpans)) return fromOtlp([text]);
  if (isObject(json) && isObject(json.result) && Array.isArray(json.result.resourceSpans)) return fromOtlp([JSON.stringify(json.result)]);
  const candidates = isObject(json) && "data" in json ? json.data : json;
  const list = Array.isArray(candidates) ? candidates : [candidates];
  if (list.length && list.every(looksLikeJaegerTrace)) {
    const traces = list.map((t) => sanitizeJaeger(t as Json));
    if (!traces.some((t) => t.spans.length)) throw new TraceFileError("The file holds Jaeger traces, but they have no spans.");
    return { format: "jaeger", traces: traces.filter((t) => t.spans.length), notes: [] };
  }
  if (isObject(json) && Array.isArray(json.errors) && json.errors.length) {
    throw new TraceFileError(`The file is a Jaeger API error: ${JSON.stringify(json.errors[0])}`);
  }
  throw new TraceFileError("This is not a trace file we know. Expected Jaeger JSON ({\"data\":[…]} or a trace with traceID and spans) or OTLP/JSON ({\"resourceSpans\":[…]}).");
}

function looksLikeJaegerTrace(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.spans) && value.spans.every((s) => isObject(s) && typeof s.spanID === "string");
}

const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

/** Fills what older or hand-edited files leave out, so the rest of the model can trust the shape. */
function sanitizeJaeger(raw: Json): JaegerTrace {
  const spans = list<Json>(raw.spans).map(
    (s): JaegerSpan => ({
      traceID: String(s.traceID ?? raw.traceID ?? ""),
      spanID: String(s.spanID),
      flags: Number(s.flags ?? 1),
      operationName: String(s.operationName ?? ""),
      references: list(s.references),
      startTime: micros(Number(s.startTime ?? 0)),
      duration: micros(Number(s.duration ?? 0)),
      tags: list(s.tags),
      logs: list<JaegerSpan["logs"][number]>(s.logs).map((log) => ({ timestamp: micros(Number(log.timestamp ?? 0)), fields: list(log.fields) })),
      processID: String(s.processID ?? ""),
      warnings: Array.isArray(s.warnings) ? (s.warnings as string[]) : null,
    }),
  );
  // Jaeger files from old clients carry the process inline on each span instead of in `processes`.
  const processes: JaegerTrace["processes"] = isObject(raw.processes) ? { ...(raw.processes as JaegerTrace["processes"]) } : {};
  list<Json>(raw.spans).forEach((s, i) => {
    const span = spans[i] as JaegerSpan;
    if (!processes[span.processID] && isObject(s.process)) {
      span.processID ||= `inline${i}`;
      processes[span.processID] = { serviceName: String(s.process.serviceName ?? "unknown_service"), tags: list(s.process.tags) };
    }
  });
  return { traceID: String(raw.traceID ?? spans[0]?.traceID ?? ""), spans, processes, warnings: Array.isArray(raw.warnings) ? (raw.warnings as string[]) : null };
}

function fromOtlp(requests: string[]): ImportedTraces {
  const batches: SpanBatch[] = [];
  let rejected = 0;
  const problems: string[] = [];
  for (const request of requests) {
    try {
      const decoded = decodeJsonRequest(request);
      batches.push(decoded.batch);
      rejected += decoded.rejectedSpans;
      if (decoded.errorMessage) problems.push(decoded.errorMessage);
    } catch (error) {
      if (error instanceof UndecodableBody) throw new TraceFileError(`The OTLP/JSON in this file cannot be read: ${error.message}`);
      throw error;
    }
  }
  const traceIds = new Set<string>();
  for (const batch of batches) for (const span of batch.spans) traceIds.add(span.traceId);
  if (!traceIds.size) throw new TraceFileError(rejected ? `No span in this file is valid: ${problems.join("; ")}` : "The OTLP/JSON file holds no spans.");
  const traces = [...traceIds].map((id) => toJaegerTrace(mergeTrace(id, batches)));
  const notes = rejected ? [`${rejected} invalid span${rejected === 1 ? " was" : "s were"} left out: ${problems.join("; ")}`] : [];
  return { format: "otlp", traces, notes };
}
