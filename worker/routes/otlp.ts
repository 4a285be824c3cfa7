/**
 * OTLP/HTTP trace ingest: `POST /v1/traces`, protobuf or JSON, optionally gzip. Answers follow the
 * OTLP spec: the request's encoding, 200 with partial success for invalid spans, google.rpc.Status
 * bodies for errors, and only retryable statuses (503) for our own failures.
 */
import { Hono } from "hono";
import { HttpError, UnsupportedMediaType } from "../errors";
import { readCappedBody } from "../ingest/body";
import { dispatchBatch } from "../ingest/dispatch";
import { requireApiKey } from "../middleware/auth";
import { decodeJsonRequest } from "../otlp/json-decode";
import { UndecodableBody } from "../otlp/decoded";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
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
  const body = await readCappedBody(c.req.raw);
  const decoded = encoding === "json" ? decodeJsonRequest(new TextDecoder().decode(body)) : decodeProtobufRequest(body);
  if (decoded.batch.spans.length > 0) await dispatchBatch(c.env, c.get("tenantId"), decoded.batch);
  return exportResponse(encoding, decoded.rejectedSpans, decoded.errorMessage);
});
