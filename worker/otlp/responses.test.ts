/**
 * Our OTLP answers, read back by two independent readers: protobufjs's reflection decoder over the
 * opentelemetry-proto / google.rpc messages, and the OTel JS SDK's own response deserialisers (what
 * an exporter runs to log a partial success).
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { OTLP_TRACE_PROTO } from "../../test/support/otlp-fixtures";
import { CONTENT_TYPES, exportResponse, statusResponse } from "./responses";

const root = protobuf.parse(OTLP_TRACE_PROTO).root;
const ExportResponse = root.lookupType("otlp.ExportTraceServiceResponse");
const RpcStatus = root.lookupType("otlp.RpcStatus");

async function bytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

function decode(type: protobuf.Type, body: Uint8Array): Record<string, unknown> {
  return type.toObject(type.decode(body), { longs: String, defaults: false });
}

describe("exportResponse", () => {
  it("answers a fully accepted protobuf request with an empty ExportTraceServiceResponse", async () => {
    const response = exportResponse("protobuf", 0, "");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-protobuf");
    const body = await bytes(response);
    expect(body).toHaveLength(0);
    expect(decode(ExportResponse, body)).toEqual({});
    expect(ProtobufTraceSerializer.deserializeResponse(body)).toEqual({});
  });

  it("encodes a partial success as ExportTracePartialSuccess { rejected_spans, error_message }", async () => {
    const message = "2 spans rejected: traceId must not be all zeros (2 spans) — ünïcode kept";
    const body = await bytes(exportResponse("protobuf", 2, message));
    expect(decode(ExportResponse, body)).toEqual({ partialSuccess: { rejectedSpans: "2", errorMessage: message } });
    expect(ProtobufTraceSerializer.deserializeResponse(body)).toEqual({ partialSuccess: { rejectedSpans: 2, errorMessage: message } });
  });

  it("encodes a rejected count past 32 bits exactly", async () => {
    const body = await bytes(exportResponse("protobuf", 2 ** 33 + 1, "many"));
    expect(decode(ExportResponse, body)).toEqual({ partialSuccess: { rejectedSpans: "8589934593", errorMessage: "many" } });
  });

  it("answers a fully accepted JSON request with {}", async () => {
    const response = exportResponse("json", 0, "");
    expect(response.headers.get("content-type")).toBe("application/json");
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({});
    expect(JsonTraceSerializer.deserializeResponse(new TextEncoder().encode(text))).toEqual({});
  });

  it("writes a JSON partial success with rejectedSpans as an int64 string", async () => {
    const response = exportResponse("json", 3, "3 spans rejected: x");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ partialSuccess: { rejectedSpans: "3", errorMessage: "3 spans rejected: x" } });
  });
});

describe("statusResponse", () => {
  it.each([
    [400, 3], // INVALID_ARGUMENT
    [401, 16], // UNAUTHENTICATED
    [403, 7], // PERMISSION_DENIED
    [413, 3],
    [415, 3],
    [429, 8], // RESOURCE_EXHAUSTED
    [503, 14], // UNAVAILABLE
    [418, 2], // anything unmapped: UNKNOWN
  ])("answers HTTP %i with a google.rpc.Status of code %i in both encodings", async (httpStatus, grpcCode) => {
    const protobufResponse = statusResponse("protobuf", httpStatus, "why it failed");
    expect(protobufResponse.status).toBe(httpStatus);
    expect(protobufResponse.headers.get("content-type")).toBe(CONTENT_TYPES.protobuf);
    expect(decode(RpcStatus, await bytes(protobufResponse))).toEqual({ code: grpcCode, message: "why it failed" });

    const jsonResponse = statusResponse("json", httpStatus, "why it failed");
    expect(jsonResponse.status).toBe(httpStatus);
    expect(jsonResponse.headers.get("content-type")).toBe(CONTENT_TYPES.json);
    expect(await jsonResponse.json()).toEqual({ code: grpcCode, message: "why it failed" });
  });

  it("tells a throttled client when to retry", () => {
    const response = statusResponse("protobuf", 429, "slow down", 7);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(statusResponse("json", 400, "bad").headers.has("retry-after")).toBe(false);
  });

  it("keeps a long UTF-8 message intact", async () => {
    const message = `invalid protobuf: ${"é".repeat(300)}`;
    expect(decode(RpcStatus, await bytes(statusResponse("protobuf", 400, message)))).toEqual({ code: 3, message });
  });
});
