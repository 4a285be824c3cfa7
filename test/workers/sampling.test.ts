/**
 * Sampling inside workerd: the settings routes (validation, who may change them), the
 * remote-sampling endpoint a sampling id opens (and nothing else), rotation, and adaptive mode
 * converging on its target under synthetic load on a driven clock.
 */
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { MINUTE_MS } from "../../worker/metrics/aggregate";
import { computeAdaptiveTable } from "../../worker/query/adaptive-sampling";
import { HASH_UNITS, samplerHashes } from "../../worker/sampling/sampler-hash";
import { readSettings } from "../../worker/sampling/settings";
import { makeSpan } from "../support/otlp-builders";
import { call, FUTURE, ingest, requestOf, settle, shard, signUp, TestClock, useClock, type Tenant } from "./helpers";

interface SamplingView {
  endpoint: string;
  strategies: unknown;
  tail: { keepPercent: number };
  adaptive: { enabled: boolean; targetTracesPerSecond: number };
}

async function put(tenant: Tenant, body: unknown, credentials: Record<string, string> = { cookie: tenant.cookie }): Promise<Response> {
  return call("/api/sampling", { method: "PUT", headers: { "content-type": "application/json", ...credentials }, body: JSON.stringify(body) });
}

async function view(tenant: Tenant): Promise<SamplingView> {
  const response = await call("/api/sampling", { headers: { authorization: `Bearer ${tenant.readKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as SamplingView;
}

/** The path part of the tenant's endpoint (tests call the Worker by path). */
const pathOf = (endpoint: string) => new URL(endpoint).pathname;

describe("the sampling settings", () => {
  it("gives a new tenant an endpoint and the defaults: every trace sampled and kept", async () => {
    const tenant = await signUp();
    const first = await view(tenant);
    expect(first.endpoint).toMatch(/^http:\/\/edgetrace\.test\/t\/[A-Za-z0-9_-]{22}$/);
    expect(first.strategies).toEqual({ default_strategy: { type: "probabilistic", param: 1 }, service_strategies: [] });
    expect(first.tail).toEqual({ keepErrors: true, slowerThanMs: null, slowerThan: [], keepPercent: 100 });
    expect(first.adaptive).toEqual({ enabled: false, targetTracesPerSecond: 1 });
    // The id is made once: asking again gives the same endpoint.
    expect((await view(tenant)).endpoint).toBe(first.endpoint);
  });

  it.each([
    [{ strategies: { default_strategy: { type: "probabilistic", param: 2 } } }, "strategies.default_strategy.param", /from 0 to 1/],
    [{ strategies: { service_strategies: [{ service: "a", type: "sometimes", param: 1 }] } }, "strategies.service_strategies[0].type", /"probabilistic" or "ratelimiting"/],
    [{ strategies: { service_strategies: [{ service: "a", type: "probabilistic", param: 1, operation_strategies: [{ operation: "op", type: "probabilistic", param: -1 }] }] } }, "strategies.service_strategies[0].operation_strategies[0].param", /from 0 to 1/],
    [{ tail: { keepPercent: "half" } }, "tail.keepPercent", /0 to 100/],
    [{ tail: { slowerThan: [{ service: "", ms: 5 }] } }, "tail.slowerThan[0].service", /service name/],
    [{ adaptive: { enabled: true, targetTracesPerSecond: -1 } }, "adaptive.targetTracesPerSecond", /above 0/],
    [{ retention: 3 }, "retention", /unknown sampling setting/],
  ])("refuses %j with 400, the reason and its field, in our envelope and Jaeger's", async (body, field, message) => {
    const tenant = await signUp();
    const response = await put(tenant, body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { code: string; message: string; field?: string }; errors: Array<{ code: number; msg: string }> };
    expect(answer.error.field).toBe(field);
    expect(answer.error.message).toMatch(message);
    expect(answer.errors).toEqual([{ code: 400, msg: answer.error.message }]);
    // Nothing was changed.
    expect((await view(tenant)).strategies).toEqual({ default_strategy: { type: "probabilistic", param: 1 }, service_strategies: [] });
  });

  it("replaces only the parts sent, and hands the tail policy to the tenant's directory", async () => {
    const tenant = await signUp();
    const tail = { keepErrors: true, slowerThanMs: 500, slowerThan: [{ service: "api", ms: 100 }], keepPercent: 10 };
    expect((await put(tenant, { tail })).status).toBe(200);
    const response = await put(tenant, { adaptive: { enabled: true, targetTracesPerSecond: 5 } });
    const updated = (await response.json()) as SamplingView;
    expect(updated.tail).toEqual(tail);
    expect(updated.adaptive).toEqual({ enabled: true, targetTracesPerSecond: 5 });
    const row = await env.DB.prepare("SELECT sampling FROM tenants WHERE id = ?").bind(tenant.tenantId).first<{ sampling: string }>();
    expect(readSettings(row?.sampling ?? null).tail).toEqual(tail);
  });

  it("lets a read key look but not change, and nobody without credentials", async () => {
    const tenant = await signUp();
    expect((await put(tenant, { tail: { keepPercent: 1 } }, { authorization: `Bearer ${tenant.readKey}` })).status).toBe(401);
    expect((await call("/api/sampling")).status).toBe(401);
    expect((await call("/api/sampling/rotate", { method: "POST", headers: { authorization: `Bearer ${tenant.readKey}` } })).status).toBe(401);
  });
});

describe("the remote-sampling endpoint", async () => {
  const a = await signUp();
  const b = await signUp();
  await put(a, { strategies: { default_strategy: { type: "probabilistic", param: 0.5 }, service_strategies: [{ service: "checkout", type: "probabilistic", param: 0.25, operation_strategies: [{ operation: "GET /health", type: "probabilistic", param: 0 }] }] } });
  await put(b, { strategies: { default_strategy: { type: "ratelimiting", param: 7 } } });
  const endpointA = pathOf((await view(a)).endpoint);
  const endpointB = pathOf((await view(b)).endpoint);

  it("answers Jaeger's JSON for a service, on both of Jaeger's paths, without credentials", async () => {
    for (const path of [`${endpointA}/sampling?service=checkout`, `${endpointA}/api/sampling?service=checkout`]) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
      expect(await response.json()).toEqual({
        strategyType: "PROBABILISTIC",
        probabilisticSampling: { samplingRate: 0.25 },
        operationSampling: { defaultSamplingProbability: 0.25, defaultLowerBoundTracesPerSecond: 0, perOperationStrategies: [{ operation: "GET /health", probabilisticSampling: { samplingRate: 0 } }], defaultUpperBoundTracesPerSecond: 0 },
      });
    }
    expect(await (await call(`${endpointA}/sampling?service=other`)).json()).toEqual({ strategyType: "PROBABILISTIC", probabilisticSampling: { samplingRate: 0.5 } });
  });

  it("gives each tenant's id its own strategies only", async () => {
    expect(endpointA).not.toBe(endpointB);
    expect(await (await call(`${endpointB}/sampling?service=checkout`)).json()).toEqual({ strategyType: "RATE_LIMITING", rateLimitingSampling: { maxTracesPerSecond: 7 } });
  });

  it("opens nothing but strategies: no trace, service or settings route answers under the id", async () => {
    for (const path of ["/api/services", "/api/traces?service=checkout", "/api/settings", "/api/v3/services", "/v1/traces"]) {
      const response = await call(`${endpointA}${path}`);
      expect([401, 404]).toContain(response.status);
    }
    // Jaeger's /api/sampling path under the id is the protocol, never the settings.
    const settings = await call(`${endpointA}/api/sampling`);
    expect(settings.status).toBe(400);
    expect(await settings.text()).not.toMatch(/endpoint|tail|adaptive/);
    // And the id is no credential on the real routes.
    const id = endpointA.split("/").pop() ?? "";
    expect((await call("/api/services", { headers: { authorization: `Bearer ${id}` } })).status).toBe(401);
    expect((await call("/api/services", { headers: { "x-api-key": id } })).status).toBe(401);
  });

  it("answers 400 without exactly one service, and 404 for an unknown id", async () => {
    expect((await call(`${endpointA}/sampling`)).status).toBe(400);
    expect((await call(`${endpointA}/sampling?service=a&service=b`)).status).toBe(400);
    expect((await call("/t/AAAAAAAAAAAAAAAAAAAAAA/sampling?service=checkout")).status).toBe(404);
    expect((await call("/t/not-an-id/sampling?service=checkout")).status).toBe(404);
  });

  it("sends a browser opening /sampling to the app, and a sampler without an id to its endpoint", async () => {
    const page = await call("/sampling", { headers: { accept: "text/html,application/xhtml+xml" }, redirect: "manual" });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/sampling/");
    expect((await call("/sampling?service=checkout")).status).toBe(404);
  });

  it("stops answering an id once it is rotated, and answers the new one", async () => {
    const tenant = await signUp();
    const before = pathOf((await view(tenant)).endpoint);
    expect((await call(`${before}/sampling?service=x`)).status).toBe(200);
    const rotated = await call("/api/sampling/rotate", { method: "POST", headers: { cookie: tenant.cookie } });
    expect(rotated.status).toBe(200);
    const after = pathOf(((await rotated.json()) as SamplingView).endpoint);
    expect(after).not.toBe(before);
    expect((await call(`${before}/sampling?service=x`)).status).toBe(404);
    expect((await call(`${after}/sampling?service=x`)).status).toBe(200);
  });
});

describe("adaptive mode", () => {
  const SERVICE = "shop";
  /** Traces a second each operation really starts. */
  const RATES = { "GET /busy": 5, "GET /quiet": 0.1 } as const;
  const TARGET = 1;

  let seed = 0x1234567;
  const random32 = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed.toString(16).padStart(8, "0");
  };
  let spanCounter = 0x9000;

  it("converges the busy operation on the target and keeps the quiet one fully sampled", async () => {
    const tenant = await signUp();
    await put(tenant, { adaptive: { enabled: true, targetTracesPerSecond: TARGET } });
    const settings = readSettings((await env.DB.prepare("SELECT sampling FROM tenants WHERE id = ?").bind(tenant.tenantId).first<{ sampling: string }>())?.sampling ?? null);
    const t0 = FUTURE + 3 * 3_600_000;
    const clock = new TestClock(t0);
    for (let n = 0; n < 2; n++) await useClock(shard(tenant, n), clock);

    const served: Array<Record<string, number>> = [];
    for (let m = 0; m < 8; m++) {
      const minuteStart = t0 + m * MINUTE_MS;
      // Clients fetch what the server says at the start of the minute.
      const table = await computeAdaptiveTable(env, tenant.tenantId, settings, minuteStart + 5_000);
      const p = Object.fromEntries(Object.keys(RATES).map((op) => [op, table.get(SERVICE)?.get(op) ?? 1]));
      served.push(p);
      const spans = [];
      for (const [operation, rate] of Object.entries(RATES)) {
        const count = Math.round(rate * 60);
        for (let i = 0; i < count; i++) {
          const traceId = random32() + random32() + random32() + random32();
          // The client's ratio sampler: kept when the id falls under p.
          if ((samplerHashes(traceId)?.[0] ?? HASH_UNITS) >= (p[operation] ?? 1) * HASH_UNITS) continue;
          const startMs = minuteStart + Math.floor((i * 60_000) / count);
          spans.push(makeSpan({ traceId, spanId: (spanCounter++).toString(16).padStart(16, "0"), name: operation, kind: 2, startTimeUnixNano: `${startMs}000000`, endTimeUnixNano: `${startMs + 3}000000` }));
        }
      }
      expect((await ingest(tenant, requestOf(spans, SERVICE))).status).toBe(200);
      clock.now = minuteStart + MINUTE_MS + 30_000;
      for (let n = 0; n < 2; n++) await settle(shard(tenant, n));
    }
    // Full sampling until the first complete minutes are measured, then about target / rate.
    expect(served[0]).toEqual({ "GET /busy": 1, "GET /quiet": 1 });
    const last = served.at(-1) ?? {};
    expect((last["GET /busy"] ?? 1) * RATES["GET /busy"]).toBeGreaterThan(TARGET * 0.7);
    expect((last["GET /busy"] ?? 1) * RATES["GET /busy"]).toBeLessThan(TARGET * 1.3);
    expect(last["GET /quiet"]).toBe(1);

    // What the sampler is told: the busy operation's probability, the lower bound, the default for the rest.
    const endpoint = pathOf((await view(tenant)).endpoint);
    const answer = (await (await call(`${endpoint}/sampling?service=${SERVICE}`)).json()) as { operationSampling: { defaultSamplingProbability: number; defaultLowerBoundTracesPerSecond: number } };
    expect(answer.operationSampling.defaultSamplingProbability).toBe(1);
    expect(answer.operationSampling.defaultLowerBoundTracesPerSecond).toBeCloseTo(1 / 60);
  });
});
