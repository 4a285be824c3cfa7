import { describe, expect, it } from "vitest";
import { adaptiveAnswer, adaptiveTable, ADAPTIVE_WINDOW_MINUTES, isSteered, nextProbability, type RootCounts } from "./adaptive";
import { HASH_UNITS, samplerHashes } from "./sampler-hash";
import { parseStrategies, strategyFor, type Strategies } from "./strategies";

const MINUTE = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE);

/** A seeded generator (mulberry32): the synthetic load is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex8 = (n: number) => Math.floor(n * 2 ** 32).toString(16).padStart(8, "0");

/**
 * `n` new traces of an operation through a JS ratio sampler at p: what the bucket counts of the
 * kept ones (how many, and their largest sampler values).
 */
function keep(n: number, p: number, rand: () => number): { kept: number; largest: number[] } {
  let kept = 0;
  let largest = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const hashes = samplerHashes(hex8(rand()) + hex8(rand()) + hex8(rand()) + hex8(rand())) ?? [];
    if ((hashes[0] ?? HASH_UNITS) >= p * HASH_UNITS) continue;
    kept++;
    largest = largest.map((h, j) => Math.max(h, hashes[j] ?? 0));
  }
  return { kept, largest };
}

function minuteOf(kept: Record<string, { kept: number; largest: number[] }>): RootCounts {
  const roots = new Map<string, number>();
  const rootHashes = new Map<string, number[]>();
  for (const [key, k] of Object.entries(kept)) {
    if (!k.kept) continue;
    roots.set(key, k.kept);
    rootHashes.set(key, k.largest);
  }
  return { roots, rootHashes };
}

function strategies(input: unknown): Strategies {
  const parsed = parseStrategies(input);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed.value;
}

/**
 * Minute by minute on a driven clock: clients fetch what the server serves at the minute's start,
 * start each operation's traces at its true rate, keep them at that probability, and the kept
 * roots land in the minute's bucket — as trace shards count them.
 */
function simulate(rates: Record<string, number>, minutes: number, target: number, config: Strategies = strategies({})) {
  const rand = random(7);
  const buckets = new Map<number, RootCounts>();
  const served: Array<Record<string, number>> = [];
  for (let m = 0; m < minutes; m++) {
    const now = T0 + m * MINUTE + 5_000;
    const table = adaptiveTable(buckets, now, (s, o) => isSteered(config, s, o), { targetTracesPerSecond: target });
    const answer = adaptiveAnswer(strategyFor(config, "api"), table.get("api"), { targetTracesPerSecond: target });
    const probabilities: Record<string, number> = {};
    const kept: Record<string, { kept: number; largest: number[] }> = {};
    for (const [operation, rate] of Object.entries(rates)) {
      const p = answer.operationSampling?.perOperationStrategies.find((o) => o.operation === operation)?.probabilisticSampling.samplingRate ?? answer.operationSampling?.defaultSamplingProbability ?? 1;
      probabilities[operation] = p;
      kept[`api\t${operation}`] = keep(Math.round(rate * 60), p, rand);
    }
    served.push(probabilities);
    buckets.set(T0 + m * MINUTE, minuteOf(kept));
  }
  return served;
}

describe("one step of the controller", () => {
  const options = { targetTracesPerSecond: 1 };

  it("goes straight down to target / true rate when over-sampling", () => {
    expect(nextProbability(1, 100, options)).toBeCloseTo(0.01);
  });

  it("raises by at most half again a step", () => {
    expect(nextProbability(0.01, 1, options)).toBeCloseTo(0.015);
  });

  it("keeps the probability within the tolerance, so noise does not make it flap", () => {
    expect(nextProbability(0.01, 105, options)).toBe(0.01);
  });

  it("never drops below the lower bound's share, so a rare operation is still seen", () => {
    expect(nextProbability(1, 10, { targetTracesPerSecond: 0.001 })).toBeCloseTo(1 / 60 / 10);
  });

  it("raises a probability under which nothing was kept, up to 1", () => {
    expect(nextProbability(0.5, null, options)).toBe(0.75);
    expect(nextProbability(0.9, null, options)).toBe(1);
  });

  it("measures a rare operation over the whole window, and does not guess from one trace", () => {
    const at = (m: number) => T0 - (m + 3) * MINUTE;
    const rare = new Map<number, RootCounts>([at(0), at(9), at(20)].map((t) => [t, { roots: new Map([["api\trare", 1]]), rootHashes: new Map([["api\trare", [HASH_UNITS * 0.9, HASH_UNITS, HASH_UNITS, HASH_UNITS]]]) }]));
    // Three traces in half an hour at p ≈ 1: far under the target, so p stays at 1.
    expect(adaptiveTable(rare, T0, () => true, options).get("api")?.get("rare")).toBe(1);
  });
});

describe("adaptive sampling under synthetic load", () => {
  it("converges each operation on the target, and leaves a rare one fully sampled", () => {
    const rates = { "GET /busy": 100, "GET /medium": 10, "GET /rare": 0.05 };
    const served = simulate(rates, 30, 2);
    const last = served.slice(-10);
    const keptRate = (operation: keyof typeof rates) => last.reduce((sum, p) => sum + (p[operation] ?? 0) * rates[operation], 0) / last.length;
    expect(keptRate("GET /busy")).toBeGreaterThan(2 * 0.8);
    expect(keptRate("GET /busy")).toBeLessThan(2 * 1.2);
    expect(keptRate("GET /medium")).toBeGreaterThan(2 * 0.8);
    expect(keptRate("GET /medium")).toBeLessThan(2 * 1.2);
    expect(last.every((p) => p["GET /rare"] === 1)).toBe(true);
    // It got there within the first ten minutes and stayed.
    expect(served.slice(10).every((p) => (p["GET /busy"] ?? 1) * 100 < 2 * 1.5)).toBe(true);
  });

  it("follows a change of load: ten times the traffic, then back", () => {
    const rand = random(3);
    const buckets = new Map<number, RootCounts>();
    const config = strategies({});
    const pAt: number[] = [];
    for (let m = 0; m < 60; m++) {
      const rate = m >= 20 && m < 40 ? 200 : 20;
      const table = adaptiveTable(buckets, T0 + m * MINUTE, (s, o) => isSteered(config, s, o), { targetTracesPerSecond: 1 });
      const p = table.get("api")?.get("op") ?? 1;
      pAt.push(p);
      buckets.set(T0 + m * MINUTE, minuteOf({ "api\top": keep(rate * 60, p, rand) }));
    }
    expect((pAt[18] ?? 0) * 20).toBeCloseTo(1, 0);
    expect((pAt[38] ?? 0) * 200).toBeCloseTo(1, 0);
    expect((pAt[59] ?? 0) * 20).toBeCloseTo(1, 0);
  });

  it("leaves operations with their own probability, and rate-limited services, as configured", () => {
    const config = strategies({ default_strategy: { type: "probabilistic", param: 0.25 }, service_strategies: [{ service: "limited", type: "ratelimiting", param: 3 }, { service: "api", type: "probabilistic", param: 0.5, operation_strategies: [{ operation: "op", type: "probabilistic", param: 0.1 }] }] });
    expect(isSteered(config, "api", "op")).toBe(false);
    expect(isSteered(config, "api", "other")).toBe(true);
    expect(isSteered(config, "unknown", "x")).toBe(true);
    expect(isSteered(config, "limited", "x")).toBe(false);
    expect(adaptiveAnswer(strategyFor(config, "limited"), undefined, { targetTracesPerSecond: 1 })).toEqual(strategyFor(config, "limited"));
    const answer = adaptiveAnswer(strategyFor(config, "api"), new Map([["busy", 0.0123456789]]), { targetTracesPerSecond: 1 });
    expect(answer.operationSampling).toEqual({
      defaultSamplingProbability: 0.5,
      defaultLowerBoundTracesPerSecond: 1 / 60,
      perOperationStrategies: [
        { operation: "busy", probabilisticSampling: { samplingRate: 0.0123457 } },
        { operation: "op", probabilisticSampling: { samplingRate: 0.1 } },
      ],
      defaultUpperBoundTracesPerSecond: 0,
    });
  });

  it("reads only the window's complete minutes", () => {
    const buckets = new Map([
      [T0 - (ADAPTIVE_WINDOW_MINUTES + 5) * MINUTE, { roots: new Map([["api\told", 100]]), rootHashes: new Map([["api\told", [HASH_UNITS, HASH_UNITS, HASH_UNITS, HASH_UNITS]]]) }],
      [T0, { roots: new Map([["api\tnow", 100]]), rootHashes: new Map([["api\tnow", [HASH_UNITS, HASH_UNITS, HASH_UNITS, HASH_UNITS]]]) }],
    ]);
    expect(adaptiveTable(buckets, T0 + 1_000, () => true, { targetTracesPerSecond: 1 }).size).toBe(0);
  });
});
