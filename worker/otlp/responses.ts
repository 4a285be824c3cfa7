/**
 * OTLP/HTTP answers, in the encoding the request used (the spec requires the response
 * Content-Type to match the request's).
 */
import protobuf from "protobufjs/minimal.js";

// `new Writer()`, not Writer.create(): the Buffer-based writer create() picks under nodejs_compat
// relies on Buffer methods that behave differently in workerd.

export type OtlpEncoding = "protobuf" | "json";

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

/** ExportTraceServiceResponse: 1 partial_success (ExportTracePartialSuccess: 1 rejected_spans int64, 2 error_message). */
export function exportResponse(encoding: OtlpEncoding, rejectedSpans: number, errorMessage: string): Response {
  const headers = { "content-type": CONTENT_TYPES[encoding] };
  if (encoding === "json") {
    const body = rejectedSpans ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {};
    return new Response(JSON.stringify(body), { status: 200, headers });
  }
  const writer = new protobuf.Writer();
  if (rejectedSpans) {
    writer.uint32((1 << 3) | 2).fork();
    writer.uint32((1 << 3) | 0).int64(rejectedSpans);
    writer.uint32((2 << 3) | 2).string(errorMessage);
    writer.ldelim();
  }
  return new Response(writer.finish(), { status: 200, headers });
}

/** gRPC status codes that match our HTTP statuses, for google.rpc.Status.code. */
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 3, 415: 3, 429: 8, 500: 13, 503: 14 };

/** google.rpc.Status: 1 code (int32), 2 message, 3 details (none sent). */
export function statusResponse(encoding: OtlpEncoding, httpStatus: number, message: string, retryAfter?: number): Response {
  const headers: Record<string, string> = { "content-type": CONTENT_TYPES[encoding] };
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  const code = GRPC_CODES[httpStatus] ?? 2;
  if (encoding === "json") return new Response(JSON.stringify({ code, message }), { status: httpStatus, headers });
  const writer = new protobuf.Writer();
  writer.uint32((1 << 3) | 0).int32(code);
  writer.uint32((2 << 3) | 2).string(message);
  return new Response(writer.finish(), { status: httpStatus, headers });
}
