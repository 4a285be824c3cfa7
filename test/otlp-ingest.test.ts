/**
 * POST /v1/traces to the letter of OTLP/HTTP, and against hostile input: every malformed,
 * oversized or wrongly typed body gets a clear 4xx in the request's encoding, valid spans in a
 * partly invalid batch are kept, and the server stays healthy throughout.
 */
import { gzipSync } from "node:zlib";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import protobuf from "protobufjs/minimal.js";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { memoryProvider } from "./support/otel";
import { getJson, signUp, type TestTenant } from "./support/tenant";
import type { JaegerEnvelope, JaegerTrace } from "../worker/jaeger/v1-types";

const url = inject("serverUrl");
let tenant: TestTenant;

beforeAll(async () => {
  tenant = await signUp(url);
});

async function someSpans(count: number) {
  const { provider, finished } = memoryProvider({ "service.name": "hostile-test" });
  const tracer = provider.getTracer("t");
  for (let i = 0; i < count; i++) tracer.startSpan(`op ${i}`).end();
  return finished();
}

function post(body: BodyInit, headers: Record<string, string>, key: string | null = tenant.ingestKey) {
  return fetch(`${url}/v1/traces`, {
    method: "POST",
    body,
    headers: { ...(key ? { "x-api-key": key } : {}), ...headers },
  });
}

const PROTOBUF = { "content-type": "application/x-protobuf" };
const JSON_TYPE = { "content-type": "application/json" };

/** google.rpc.Status: 1 code, 2 message. */
function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  const reader = protobuf.Reader.create(bytes);
  const status = { code: 0, message: "" };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) status.code = reader.int32();
    else if (tag >>> 3 === 2) status.message = reader.string();
    else reader.skipType(tag & 7);
  }
  return status;
}

async function expectHealthy() {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}

describe("OTLP/HTTP answers", () => {
  it("answers an empty protobuf request with 200 and an empty protobuf response", async () => {
    const response = await post(new Uint8Array(0), PROTOBUF);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-protobuf");
    expect(new Uint8Array(await response.arrayBuffer())).toHaveLength(0);
  });

  it("answers JSON with JSON", async () => {
    const response = await post("{}", JSON_TYPE);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({});
  });

  it("accepts a content type with parameters", async () => {
    const response = await post("{}", { "content-type": "application/json; charset=utf-8" });
    expect(response.status).toBe(200);
  });

  it("rejects other content types with 415", async () => {
    const response = await post("hello", { "content-type": "text/plain" });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { message: string }).message).toMatch(/application\/x-protobuf/);
  });

  it("rejects an unknown Content-Encoding with 415", async () => {
    const response = await post("{}", { ...JSON_TYPE, "content-encoding": "br" });
    expect(response.status).toBe(415);
  });

  it("stores a duplicate batch once (exporter retries resend whole batches)", async () => {
    const spans = await someSpans(3);
    const body = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    expect((await post(body, PROTOBUF)).status).toBe(200);
    expect((await post(body, PROTOBUF)).status).toBe(200);
    for (const span of spans) {
      const { body: read } = await getJson<JaegerEnvelope<JaegerTrace[]>>(
        `${url}/api/traces/${span.spanContext().traceId}`,
        tenant.readKey,
      );
      expect(read.data[0]?.spans).toHaveLength(1);
    }
  });
});

describe("partial success", () => {
  it("keeps the valid spans of a JSON batch and reports the invalid ones", async () => {
    const spans = await someSpans(2);
    const request = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans) as Uint8Array));
    const list = request.resourceSpans[0].scopeSpans[0].spans;
    list.push({ ...list[0], spanId: "0000000000000000", name: "zero span id" });
    list.push({ ...list[0], spanId: "1111111111111111", traceId: "abc", name: "short trace id" });
    list.push({ ...list[0], spanId: "2222222222222222", endTimeUnixNano: "1", name: "ends before it starts" });
    list.push({ ...list[0], spanId: "3333333333333333", name: 42 });
    const response = await post(JSON.stringify(request), JSON_TYPE);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe("4");
    expect(body.partialSuccess.errorMessage).toMatch(/spanId must not be all zeros/);
    expect(body.partialSuccess.errorMessage).toMatch(/traceId must be hex digits in pairs/);
    expect(body.partialSuccess.errorMessage).toMatch(/endTimeUnixNano/);
    expect(body.partialSuccess.errorMessage).toMatch(/name must be a string/);
    for (const span of spans) {
      const { status } = await getJson(`${url}/api/traces/${span.spanContext().traceId}`, tenant.readKey);
      expect(status).toBe(200);
    }
  });

  it("reports rejected protobuf spans in a protobuf partialSuccess", async () => {
    const spans = await someSpans(2);
    const body = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    // Zero the first span's trace id in place: still well-formed protobuf, but an invalid span.
    const traceId = Buffer.from(spans[0]?.spanContext().traceId as string, "hex");
    const at = Buffer.from(body).indexOf(traceId);
    expect(at).toBeGreaterThan(0);
    body.fill(0, at, at + 16);
    const response = await post(body, PROTOBUF);
    expect(response.status).toBe(200);
    // ExportTraceServiceResponse { 1: partial_success { 1: rejected_spans, 2: error_message } }
    const reader = protobuf.Reader.create(new Uint8Array(await response.arrayBuffer()));
    expect(reader.uint32()).toBe((1 << 3) | 2);
    const end = reader.uint32() + reader.pos;
    const partial = { rejected: 0, message: "" };
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag >>> 3 === 1) partial.rejected = Number(reader.int64());
      else if (tag >>> 3 === 2) partial.message = reader.string();
      else reader.skipType(tag & 7);
    }
    expect(partial).toEqual({ rejected: 1, message: expect.stringMatching(/traceId must not be all zeros/) });
    const { status } = await getJson(`${url}/api/traces/${spans[1]?.spanContext().traceId}`, tenant.readKey);
    expect(status).toBe(200);
  });
});

describe("hostile input", () => {
  it("answers a truncated protobuf body with 400 and a google.rpc.Status naming the problem", async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await someSpans(5)) as Uint8Array;
    const response = await post(body.subarray(0, body.length - 7), PROTOBUF);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/x-protobuf");
    const status = decodeStatus(new Uint8Array(await response.arrayBuffer()));
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.message).toMatch(/protobuf/);
    await expectHealthy();
  });

  it("answers garbage bytes with 400", async () => {
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    const response = await post(garbage, PROTOBUF);
    expect(response.status).toBe(400);
    await expectHealthy();
  });

  it("answers malformed JSON with a JSON 400", async () => {
    const response = await post('{"resourceSpans": [', JSON_TYPE);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: number; message: string }).message).toMatch(/JSON/);
  });

  it("answers wrongly typed JSON structure with 400", async () => {
    for (const body of ['{"resourceSpans": "x"}', "[]", "null", '{"resourceSpans": [{"scopeSpans": 5}]}']) {
      const response = await post(body, JSON_TYPE);
      expect(response.status, body).toBe(400);
    }
    await expectHealthy();
  });

  it("answers a body over 20 MiB with 413", async () => {
    const response = await post(new Uint8Array(21 * 1024 * 1024), PROTOBUF);
    expect(response.status).toBe(413);
    await expectHealthy();
  });

  it("stops a gzip bomb while inflating and answers 413", async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 }); // ~200 KiB on the wire
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const response = await post(bomb, { ...PROTOBUF, "content-encoding": "gzip" });
    expect(response.status).toBe(413);
    expect(decodeStatus(new Uint8Array(await response.arrayBuffer())).message).toMatch(/after gzip decompression/);
    await expectHealthy();
  });

  it("answers a corrupt gzip body with 400", async () => {
    const response = await post(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), { ...JSON_TYPE, "content-encoding": "gzip" });
    expect(response.status).toBe(400);
  });

  it("answers a missing key with 401 and a key without the ingest scope with 403", async () => {
    expect((await post("{}", JSON_TYPE, null)).status).toBe(401);
    expect((await post("{}", JSON_TYPE, "etk_not-a-real-key")).status).toBe(401);
    expect((await post("{}", JSON_TYPE, tenant.readKey)).status).toBe(403);
  });

  it("accepts the key as a Bearer token too", async () => {
    const response = await post("{}", { ...JSON_TYPE, authorization: `Bearer ${tenant.ingestKey}` }, null);
    expect(response.status).toBe(200);
  });
});
