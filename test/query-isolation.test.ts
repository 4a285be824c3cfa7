/**
 * Tenant isolation on every query route: another tenant's services, operations and traces never
 * appear — not in lists, not in searches (by service, by tag, across all services), not by id —
 * whichever credential the caller uses.
 */
import { SpanKind } from "@opentelemetry/api";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { exportSpans, exportSucceeded, memoryProvider } from "./support/otel";
import { getJson, signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");
let alice: TestTenant;
let bob: TestTenant;
const traces = { alice: "", bob: "" };
const from = new Date(Date.now() - 3_600_000).toISOString();
const to = new Date(Date.now() + 60_000).toISOString();

async function sendOne(tenant: TestTenant, service: string): Promise<string> {
  const { provider, finished } = memoryProvider({ "service.name": service });
  const span = provider.getTracer("t").startSpan("secret op", { kind: SpanKind.SERVER, attributes: { "customer.id": "shared-value" } });
  span.end();
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, await finished(), { kind: "protobuf" }))).toBe(true);
  return span.spanContext().traceId;
}

beforeAll(async () => {
  alice = await signUp(url, "Alice org");
  bob = await signUp(url, "Bob org");
  traces.alice = await sendOne(alice, "alice-service");
  traces.bob = await sendOne(bob, "bob-service");
  // Isolation must hold for stored traces, not only open ones: wait until both are in R2 + D1.
  const deadline = Date.now() + 30_000;
  for (const tenant of [alice, bob]) {
    while ((await getJson<{ openTraces: number }>(`${url}/api/usage`, tenant.readKey)).body.openTraces > 0) {
      if (Date.now() > deadline) throw new Error("traces did not complete");
      await new Promise((r) => setTimeout(r, 250));
    }
  }
});

/** Bob's view of a route: with his read key as Bearer, x-api-key and Basic, and his session cookie. */
async function asBob(path: string): Promise<Array<{ status: number; body: string }>> {
  const headers: Array<Record<string, string>> = [
    { authorization: `Bearer ${bob.readKey}` },
    { "x-api-key": bob.readKey },
    { authorization: `Basic ${btoa(`grafana:${bob.readKey}`)}` },
    { cookie: bob.cookie },
  ];
  return Promise.all(
    headers.map(async (h) => {
      const response = await fetch(`${url}${path}`, { headers: h });
      return { status: response.status, body: await response.text() };
    }),
  );
}

describe("another tenant's data", () => {
  it.each([
    ["/api/services"],
    ["/api/services/alice-service/operations"],
    ["/api/operations?service=alice-service"],
    ["/api/traces?lookback=1h"],
    ["/api/traces?lookback=1h&service=alice-service"],
    [`/api/traces?lookback=1h&tags=${encodeURIComponent('{"customer.id":"shared-value"}')}`],
    ["/api/v3/services"],
    ["/api/v3/operations?service=alice-service"],
    [`/api/v3/traces?query.startTimeMin=${from}&query.startTimeMax=${to}`],
    [`/api/v3/traces?query.startTimeMin=${from}&query.startTimeMax=${to}&query.serviceName=alice-service`],
    [`/api/v3/trace-summaries?query.startTimeMin=${from}&query.startTimeMax=${to}`],
  ])("never shows in %s, whatever credential is used", async (path) => {
    for (const { status, body } of await asBob(path)) {
      expect([200, 404]).toContain(status);
      expect(body).not.toContain("alice-service");
      expect(body).not.toContain(traces.alice);
    }
    // …while Alice sees her own data there (it is not simply empty).
    const own = await getJson(`${url}${path}`, alice.readKey);
    expect(JSON.stringify(own.body)).toMatch(/alice-service|secret op/);
  });

  it.each([[`/api/traces/${"TRACE"}`], [`/api/v3/traces/${"TRACE"}`], [`/api/traces?traceID=${"TRACE"}`]])("is not found by id through %s", async (template) => {
    const path = template.replace("TRACE", traces.alice);
    for (const { body } of await asBob(path)) expect(body).not.toContain("alice-service");
    expect((await getJson(`${url}${path.replace(traces.alice, traces.bob)}`, bob.readKey)).status).toBe(200);
  });

  it("needs a credential, and a key with the read scope", async () => {
    expect((await fetch(`${url}/api/services`)).status).toBe(401);
    expect((await fetch(`${url}/api/v3/services`)).status).toBe(401);
    expect((await fetch(`${url}/api/traces?lookback=1h`, { headers: { "x-api-key": bob.ingestKey } })).status).toBe(403);
  });
});
