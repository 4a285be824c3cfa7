/**
 * OTLP/HTTP trace ingest: `POST /v1/traces`, protobuf or JSON, optionally gzip. Answers follow the
 * OTLP spec: the request's encoding, 200 with partial success for invalid spans, google.rpc.Status
 * bodies for errors, and only retryable statuses (503) for our own failures. Over a rate limit or
 * quota (worker/limits/) it answers 429 with Retry-After and a message naming the limit.
 */
import { Hono } from "hono";
import { HttpError, UnsupportedMediaType } from "../errors";
import { JSON_ADVICE, MAX_JSON_BODY_BYTES, readCappedBody } from "../ingest/body";
import { dispatchScan } from "../ingest/dispatch";
import { admitIngest } from "../limits/admit";
import { requireApiKey } from "../middleware/auth";
import { decodeJsonRequest } from "../otlp/json-decode";
import { UndecodableBody } from "../otlp/decoded";
import { encodeExportRequest } from "../otlp/protobuf-encode";
import { scanExportRequest } from "../otlp/protobuf-scan";
import { exportResponse, statusResponse, type OtlpEncoding } from "../otlp/responses";

export const otlpRoutes = new Hono<{ Bindings: Env }>();

/** The encoding named by Content-Type, or undefined for anything OTLP/HTTP does not define. */
function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return undefined;
}

otlpRoutes.onError((error, c) => {
  // Errors answer in the request's encoding when it has one OTLP knows, else JSON.
  const encoding = encodingOf(c.req.header("content-type")) ?? "json";
  if (error instanceof HttpError) return statusResponse(encoding, error.status, error.message, error.retryAfter);
  if (error instanceof UndecodableBody) return statusResponse(encoding, 400, error.message);
  console.error("otlp: unexpected error", error);
  return statusResponse(encoding, 503, "internal error; retry", 1);
});

otlpRoutes.post("/v1/traces", requireApiKey("ingest"), async (c) => {
  const encoding = encodingOf(c.req.header("content-type"));
  if (!encoding) {
    throw new UnsupportedMediaType(
      `unsupported Content-Type "${c.req.header("content-type") ?? ""}": send application/x-protobuf or application/json`,
    );
  }
  const body = encoding === "json" ? await readCappedBody(c.req.raw, MAX_JSON_BODY_BYTES, JSON_ADVICE) : await readCappedBody(c.req.raw);
  // Spans are stored as OTLP protobuf: JSON is decoded and re-encoded once, protobuf only scanned.
  let rejectedSpans: number;
  let errorMessage: string;
  let scan;
  if (encoding === "json") {
    const decoded = decodeJsonRequest(new TextDecoder().decode(body));
    ({ rejectedSpans, errorMessage } = decoded);
    scan = scanExportRequest(encodeExportRequest(decoded.batch));
  } else {
    scan = scanExportRequest(body);
    ({ rejectedSpans, errorMessage } = scan);
  }
  // Limits before storage: a refused request writes nothing (the limiter counts it, by reason).
  const refund = await admitIngest(c.env, c.executionCtx, c.get("tenant"), c.get("principal"), { spans: scan.spanCount, bytes: body.byteLength, invalidSpans: rejectedSpans });
  if (scan.spanCount > 0) {
    let stored;
    try {
      stored = await dispatchScan(c.env, c.get("tenant"), scan);
    } catch (error) {
      await refund();
      throw error;
    }
    if (stored.refusedSpans > 0) {
      rejectedSpans += stored.refusedSpans;
      errorMessage = [errorMessage, stored.refusedMessage].filter(Boolean).join("; ");
    }
  }
  return exportResponse(encoding, rejectedSpans, errorMessage);
});
