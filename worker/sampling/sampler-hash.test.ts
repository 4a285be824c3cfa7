import { describe, expect, it } from "vitest";
import { TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { HASH_UNITS, probabilityInForce, samplerHashes } from "./sampler-hash";

const hex = (n: number) => n.toString(16).padStart(8, "0");

/** A seeded stream of random trace ids. */
function traceIds(count: number, seed = 1): string[] {
  let x = seed;
  const next = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
  return Array.from({ length: count }, () => hex(next()) + hex(next()) + hex(next()) + hex(next()));
}

describe("measuring the head-sampling probability from kept trace ids", () => {
  it("places ids as OpenTelemetry JS's ratio sampler does: kept exactly when below p", () => {
    const sampler = new TraceIdRatioBasedSampler(0.3);
    for (const id of traceIds(2000)) {
      const kept = sampler.shouldSample(ROOT_CONTEXT, id).decision !== 0;
      const js = (samplerHashes(id)?.[0] ?? 0) / HASH_UNITS;
      if (Math.abs(js - 0.3) > 1e-6) expect(kept).toBe(js < 0.3);
    }
  });

  it("reads the low 64 bits as Go, Jaeger and Java samplers do", () => {
    expect(samplerHashes("0000000000000000" + "8000000000000000")?.slice(1)).toEqual([HASH_UNITS / 2, 0, HASH_UNITS]);
    expect(samplerHashes("0000000000000000" + "4000000000000000")?.slice(1)).toEqual([HASH_UNITS / 4, HASH_UNITS / 2, HASH_UNITS / 2]);
    expect(samplerHashes("not hex")).toBeNull();
  });

  it.each([0.5, 0.1, 0.01])("recovers p = %s from what the JS sampler kept, within a few percent", (p) => {
    const sampler = new TraceIdRatioBasedSampler(p);
    const kept = traceIds(20_000, 7).filter((id) => sampler.shouldSample(ROOT_CONTEXT, id).decision !== 0);
    const largest = [0, 1, 2, 3].map((i) => Math.max(...kept.map((id) => samplerHashes(id)?.[i] ?? 0)));
    const measured = probabilityInForce(kept.length, largest);
    expect(measured).not.toBeNull();
    expect(Math.abs((measured ?? 0) / p - 1)).toBeLessThan(0.05);
  });

  it("recovers p from a low-64-bit sampler too, and says nothing from too few traces", () => {
    const kept = traceIds(20_000, 9).filter((id) => (samplerHashes(id)?.[1] ?? HASH_UNITS) < 0.05 * HASH_UNITS);
    const largest = [0, 1, 2, 3].map((i) => Math.max(...kept.map((id) => samplerHashes(id)?.[i] ?? 0)));
    expect(Math.abs((probabilityInForce(kept.length, largest) ?? 0) / 0.05 - 1)).toBeLessThan(0.05);
    expect(probabilityInForce(3, largest)).toBeNull();
  });
});
