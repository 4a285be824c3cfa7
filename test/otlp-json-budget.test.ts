/**
 * OTLP/JSON is decoded within a memory budget (worker/ingest/body.ts, MAX_JSON_BODY_BYTES): a
 * 20 MiB JSON body of 600,000 attributes would take ~137 MiB decoded, past the isolate's 128 MB,
 * so it is refused with 413 and a reason before it is decoded — plain or gzip — and the server
 * keeps serving the requests beside it. Protobuf keeps the 20 MiB cap.
 */
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { getJson, signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");
const MiB = 1024 * 1024;

/** About `bytes` of OTLP/JSON holding `attributes` one-line attributes, 1,000 a span (ids from `seed`). */
function attributeHeavyBody(bytes: number, attributes: number, seed: number): string {
  const perSpan = 1_000;
  const attribute = '{"key":"k","value":{}}';
  const spans: string[] = [];
  const nowNanos = `${Date.now()}000000`;
  for (let s = 0; s < attributes / perSpan; s++) {
    const id = (seed * 100_000 + s + 1).toString(16).padStart(16, "0");
    spans.push(`{"traceId":"${id}${id}","spanId":"${id}","name":"NAME","startTimeUnixNano":"${nowNanos}","endTimeUnixNano":"${nowNanos}","attributes":[${Array(perSpan).fill(attribute).join(",")}]}`);
  }
  const head = '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"budget"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[';
  const tail = "]}]}]}";
  const used = head.length + tail.length + spans.join(",").length - spans.length * "NAME".length;
  const pad = Math.max(1, Math.floor((bytes - used) / spans.length));
  return head + spans.map((span) => span.replace("NAME", "n".repeat(pad))).join(",") + tail;
}

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await signUp(url);
});

function ingest(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey, ...headers }, body });
}

const smallRequest = () => ingest(attributeHeavyBody(20_000, 2_000, Math.floor(Math.random() * 1_000)));

describe("OTLP/JSON memory budget", () => {
  it("refuses a 20 MiB JSON body of 600k attributes with 413 and a reason, while serving the requests beside it", async () => {
    const body = attributeHeavyBody(20 * MiB, 600_000, 1);
    expect(body.length).toBeGreaterThan(19.9 * MiB);
    expect(body.length).toBeLessThanOrEqual(20 * MiB);
    const [big, ...beside] = await Promise.all([ingest(body), smallRequest(), smallRequest(), fetch(`${url}/healthz`)]);
    expect(big.status).toBe(413);
    const message = ((await big.json()) as { message: string }).message;
    expect(message).toContain("6 MiB");
    expect(message).toContain("protobuf");
    expect(beside.map((response) => response.status)).toEqual([200, 200, 200]);
    // And after it.
    expect((await smallRequest()).status).toBe(200);
  });

  it("refuses the same body gzip'd, while inflating it", async () => {
    const gzipped = gzipSync(attributeHeavyBody(20 * MiB, 600_000, 2));
    expect(gzipped.length).toBeLessThan(6 * MiB);
    const response = await ingest(gzipped, { "content-encoding": "gzip" });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toMatch(/after gzip decompression/);
    expect((await smallRequest()).status).toBe(200);
  });

  it("stores a dense JSON body just under the cap", async () => {
    const body = attributeHeavyBody(5.9 * MiB, 170_000, 3);
    const response = await ingest(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const firstTrace = `${(300_001).toString(16).padStart(16, "0")}`.repeat(2);
    const stored = await getJson<{ data: Array<{ spans: Array<{ tags: unknown[] }> }> }>(`${url}/api/traces/${firstTrace}`, tenant.readKey);
    expect(stored.status).toBe(200);
    expect(stored.body.data[0]?.spans[0]?.tags.length).toBeGreaterThanOrEqual(1_000);
  });
});
