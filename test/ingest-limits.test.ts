/**
 * Ingest limits against the real product (wrangler dev) with the stock OpenTelemetry exporters:
 * a key over its rate gets 429 + Retry-After, and the exporter waits it out and delivers; over a
 * daily cap the exporter gives up (the wait is hours); a limiter left idle long enough to be
 * evicted (~10 s locally) still remembers the day's count.
 */
import { ExportResultCode } from "@opentelemetry/core";
import { describe, expect, inject, it } from "vitest";
import { makeRequest, makeSpan } from "./support/otlp-builders";
import { exportSpans, memoryProvider } from "./support/otel";
import { signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");

async function keyWith(tenant: TestTenant, name: string, limits: Record<string, number>): Promise<string> {
  const response = await fetch(`${url}/api/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: tenant.cookie },
    body: JSON.stringify({ name, scopes: ["ingest"], limits }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

/** `count` spans of one trace, sent by hand as OTLP/JSON; the answer's status, Retry-After and body. */
async function sendRaw(key: string, count: number, traceId: string) {
  const spans = Array.from({ length: count }, () => makeSpan({ traceId }));
  const response = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify(makeRequest(spans)) });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as { code?: number; message?: string } };
}

let traces = 0;
const freshTraceId = () => `e2e11${String(Date.now() % 1e9).padStart(9, "0")}${String(++traces).padStart(18, "0")}`;

/** `count` finished SDK spans of one service. */
async function sdkSpans(count: number) {
  const { provider, finished } = memoryProvider({ "service.name": "limits-e2e" });
  const tracer = provider.getTracer("limits");
  for (let i = 0; i < count; i++) tracer.startSpan(`op ${i}`).end();
  return finished();
}

describe("ingest limits with the stock exporters", () => {
  it("the protobuf exporter is refused with 429 + Retry-After over a key's rate, waits it out, and delivers", async () => {
    const tenant = await signUp(url, "Limits E2E");
    // 10 spans/s: the key's bucket holds 10 s of it (as the free plan's holds 10 s of its rate).
    const key = await keyWith(tenant, "ci", { spansPerSecond: 10 });
    expect((await sendRaw(key, 100, freshTraceId())).status).toBe(200);
    const refused = await sendRaw(key, 20, freshTraceId());
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe("2");
    expect(refused.body.message).toBe("key 'ci' rate limit of 10 spans/s exceeded; retry after 2 s");

    const spans = await sdkSpans(20);
    const started = Date.now();
    const result = await exportSpans(url, key, spans, { kind: "protobuf" });
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    // Refused at first, then sent again after the server's Retry-After.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);

    const traceId = spans[0]?.spanContext().traceId ?? "";
    await expect
      .poll(async () => (await fetch(`${url}/api/traces/${traceId}`, { headers: { authorization: `Bearer ${tenant.readKey}` } })).status, { timeout: 15_000 })
      .toBe(200);
  });

  it("the JSON exporter gives up past a key's daily cap, whose Retry-After runs to midnight UTC", async () => {
    const tenant = await signUp(url, "Limits E2E daily");
    const key = await keyWith(tenant, "nightly", { spansPerDay: 50 });
    expect((await exportSpans(url, key, await sdkSpans(40), { kind: "json" })).code).toBe(ExportResultCode.SUCCESS);
    const started = Date.now();
    const result = await exportSpans(url, key, await sdkSpans(20), { kind: "json" });
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(Date.now() - started).toBeLessThan(5_000); // no pointless retries for hours

    const refused = await sendRaw(key, 20, freshTraceId());
    expect(refused.status).toBe(429);
    const midnight = Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000;
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(Math.abs(Number(refused.retryAfter) - (midnight - Date.now()) / 1000)).toBeLessThan(10);
    expect(refused.body).toEqual({ code: 8, message: "key 'nightly' daily cap of 50 spans reached; it resets at 00:00 UTC" });
    // The tenant's other keys are not held back by this key's cap.
    expect((await sendRaw(tenant.ingestKey, 20, freshTraceId())).status).toBe(200);
  });

  it("remembers a key's day count after its limiter sat idle long enough to be evicted", { timeout: 60_000 }, async () => {
    const tenant = await signUp(url, "Limits E2E idle");
    const key = await keyWith(tenant, "batch", { spansPerDay: 100 });
    expect((await sendRaw(key, 80, freshTraceId())).status).toBe(200);
    // Local Durable Objects are evicted after ~10 s idle; the limiter's alarm wrote the count at 5 s.
    await new Promise((r) => setTimeout(r, 16_000));
    expect((await sendRaw(key, 30, freshTraceId())).status).toBe(429);
    expect((await sendRaw(key, 20, freshTraceId())).status).toBe(200);
  });
});
