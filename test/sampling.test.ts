/**
 * Remote sampling end to end: the stock `@opentelemetry/sampler-jaeger-remote` is pointed at the
 * endpoint `GET /api/sampling` hands out, fetches its strategy from the shared `wrangler dev`
 * server with no credentials, and samples at the configured rate.
 */
import { randomBytes } from "node:crypto";
import { ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import { JaegerRemoteSampler } from "@opentelemetry/sampler-jaeger-remote";
import { AlwaysOffSampler, SamplingDecision } from "@opentelemetry/sdk-trace";
import { describe, expect, inject, it, vi } from "vitest";
import { signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");

async function configure(tenant: TestTenant, body: unknown): Promise<{ endpoint: string }> {
  const response = await fetch(`${url}/api/sampling`, { method: "PUT", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as { endpoint: string };
}

/**
 * A stock sampler for `serviceName`, once it has fetched its strategy. It polls on a setInterval it
 * never clears; that interval runs on a fake clock here, advanced once, so no poll outlives the test.
 */
async function remoteSampler(endpoint: string, serviceName: string): Promise<JaegerRemoteSampler> {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  let sampler: JaegerRemoteSampler;
  try {
    sampler = new JaegerRemoteSampler({ endpoint, serviceName, poolingInterval: 60_000, initialSampler: new AlwaysOffSampler() });
    vi.advanceTimersByTime(60_000);
  } finally {
    vi.useRealTimers();
  }
  const deadline = Date.now() + 10_000;
  while (!String(sampler).includes("ParentBased")) {
    if (Date.now() > deadline) throw new Error(`the sampler never fetched its strategy: ${String(sampler)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return sampler;
}

/** Of `n` new root spans named `name`, how many the sampler keeps. */
function sampled(sampler: JaegerRemoteSampler, name: string, n: number): number {
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const decision = sampler.shouldSample(ROOT_CONTEXT, randomBytes(16).toString("hex"), name, SpanKind.SERVER, {}, []).decision;
    if (decision === SamplingDecision.RECORD_AND_SAMPLED) kept++;
  }
  return kept;
}

describe("remote sampling with the stock Jaeger remote sampler", async () => {
  const tenant = await signUp(url, "Sampling e2e");
  const { endpoint } = await configure(tenant, {
    strategies: {
      default_strategy: { type: "probabilistic", param: 1 },
      service_strategies: [
        { service: "checkout", type: "probabilistic", param: 0.25 },
        { service: "payments", type: "probabilistic", param: 0.5, operation_strategies: [{ operation: "GET /health", type: "probabilistic", param: 0 }, { operation: "POST /charge", type: "probabilistic", param: 1 }] },
      ],
    },
  });

  it("hands out an endpoint on this server that answers without credentials", async () => {
    expect(endpoint).toMatch(new RegExp(`^${url}/t/[A-Za-z0-9_-]{22}$`));
    const response = await fetch(`${endpoint}/sampling?service=checkout`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ strategyType: "PROBABILISTIC", probabilisticSampling: { samplingRate: 0.25 } });
  });

  it("samples 10,000 root spans at the configured 0.25, within three standard deviations", async () => {
    const sampler = await remoteSampler(endpoint, "checkout");
    const n = 10_000;
    const p = 0.25;
    const kept = sampled(sampler, "GET /cart", n);
    const sigma = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(kept - n * p)).toBeLessThanOrEqual(3 * sigma);
  });

  it("honours per-operation strategies, and the service's probability for other operations", async () => {
    const sampler = await remoteSampler(endpoint, "payments");
    expect(sampled(sampler, "GET /health", 2_000)).toBe(0);
    expect(sampled(sampler, "POST /charge", 2_000)).toBe(2_000);
    const n = 4_000;
    const other = sampled(sampler, "GET /receipt", n);
    expect(Math.abs(other - n * 0.5)).toBeLessThanOrEqual(3 * Math.sqrt(n * 0.25));
  });

  it("gives a service without its own strategy the default", async () => {
    const sampler = await remoteSampler(endpoint, "inventory");
    expect(sampled(sampler, "GET /stock", 1_000)).toBe(1_000);
  });

  it("stops answering the old endpoint after a rotation; the new one works with the sampler", async () => {
    const other = await signUp(url, "Sampling rotate");
    const before = (await configure(other, { strategies: { default_strategy: { type: "probabilistic", param: 0 } } })).endpoint;
    expect((await fetch(`${before}/sampling?service=x`)).status).toBe(200);
    const rotated = await fetch(`${url}/api/sampling/rotate`, { method: "POST", headers: { cookie: other.cookie } });
    expect(rotated.status).toBe(200);
    const after = ((await rotated.json()) as { endpoint: string }).endpoint;
    expect(after).not.toBe(before);
    expect((await fetch(`${before}/sampling?service=x`)).status).toBe(404);
    const sampler = await remoteSampler(after, "x");
    expect(sampled(sampler, "GET /", 500)).toBe(0);
  });
});
