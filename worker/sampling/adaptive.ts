/**
 * Adaptive head sampling, as Jaeger's adaptive sampling does it but without storage of its own:
 * each root operation of each service is steered towards `targetTracesPerSecond` kept traces,
 * from the per-minute root counts that the tenant's metric buckets already hold.
 *
 * What the buckets count is what clients kept, so an operation's true rate is kept / p, with p
 * the probability in force. That p is not remembered but measured: the buckets also keep, per root
 * operation, the largest sampler value among the kept trace ids, which is ≈ p
 * (worker/sampling/sampler-hash.ts). Nothing is stored, clients that polled late are measured as
 * they are, and the answer is a pure function of the buckets.
 *
 * One step (Jaeger's PercentageIncreaseCappedCalculator, damped):
 * - ideal p = target / true rate, but never below lowerBound / true rate, so a rare operation
 *   still yields about one trace a minute;
 * - within `tolerance` of the measured p: keep it (no flapping on noise);
 * - decreases are taken at once (over-sampling costs the user money); increases at most ×
 *   `maxIncrease` a step, so a quiet spell does not open the tap fully;
 * - clamped to [minProbability, 1].
 *
 * Operations the strategies list keep their probability, and rate-limited services their limit
 * (isSteered): adaptive mode steers what the user left to the default.
 */
import { OTHER_OPERATIONS, parseRootKey } from "../metrics/aggregate";
import { probabilityInForce } from "./sampler-hash";
import { strategyFor, type SamplingResponse, type Strategies } from "./strategies";

export interface AdaptiveOptions {
  /** Kept root traces per second wanted per operation. */
  targetTracesPerSecond: number;
  /** Kept traces per second an operation gets at least, however busy its neighbours (Jaeger: 1/60). */
  lowerBoundTracesPerSecond?: number;
  /** Jaeger's default minimum probability. */
  minProbability?: number;
  /** Largest factor one step may raise p by (Jaeger: +50 %). */
  maxIncrease?: number;
  /** Relative change under which p is kept. */
  tolerance?: number;
  /**
   * Minutes between a minute's end and its counts being used: traces complete and reach the
   * buckets some seconds after they start, and clients poll (and cache) for a while.
   */
  lagMinutes?: number;
}

export const ADAPTIVE_DEFAULTS = {
  lowerBoundTracesPerSecond: 1 / 60,
  minProbability: 1e-5,
  maxIncrease: 1.5,
  tolerance: 0.1,
  lagMinutes: 2,
} as const;

/** Minutes looked back over for an operation too rare to measure minute by minute. */
export const ADAPTIVE_WINDOW_MINUTES = 30;
/** Minutes whose rates are averaged for a busy operation. */
export const RECENT_MINUTES = 3;
/** Kept traces a minute needs before its p and rate are trusted on their own. */
export const MIN_KEPT_PER_MINUTE = 10;

const SECONDS_PER_MINUTE = 60;

/** The probability after one step, given the true rate (traces/s) estimated for the operation. */
export function nextProbability(current: number, trueRatePerSecond: number | null, options: AdaptiveOptions): number {
  const { lowerBoundTracesPerSecond, minProbability, maxIncrease, tolerance } = { ...ADAPTIVE_DEFAULTS, ...options };
  const clamp = (p: number) => Math.min(1, Math.max(minProbability, p));
  if (trueRatePerSecond === null || trueRatePerSecond <= 0) return clamp(current * maxIncrease);
  const ideal = Math.max(options.targetTracesPerSecond, lowerBoundTracesPerSecond) / trueRatePerSecond;
  if (Math.abs(ideal - current) <= tolerance * current) return clamp(current);
  return clamp(ideal > current ? Math.min(ideal, current * maxIncrease) : ideal);
}

/** Per service, per root operation: the probability adaptive mode serves now. */
export type AdaptiveTable = Map<string, Map<string, number>>;

/** What adaptive mode reads of a minute bucket (worker/metrics/aggregate.ts's Aggregate). */
export interface RootCounts {
  roots: ReadonlyMap<string, number>;
  rootHashes: ReadonlyMap<string, readonly number[]>;
}

/**
 * The whole tenant's table from its minute buckets (start ms → counts), as of `nowMs`. Minutes
 * count once they are `lagMinutes` old (traces reach the buckets some seconds after they start).
 * Only operations `steered` accepts are in the table; where nothing can be measured yet, the
 * static strategy is served.
 */
export function adaptiveTable(buckets: ReadonlyMap<number, RootCounts>, nowMs: number, steered: (service: string, operation: string) => boolean, options: AdaptiveOptions): AdaptiveTable {
  const minute = 60_000;
  const lag = options.lagMinutes ?? ADAPTIVE_DEFAULTS.lagMinutes;
  const last = Math.floor(nowMs / minute) * minute - lag * minute;
  const first = last - (ADAPTIVE_WINDOW_MINUTES - 1) * minute;
  const recentFrom = last - (RECENT_MINUTES - 1) * minute;
  const seen = new Map<string, { kept: number; largest: number[]; recent: Array<{ at: number; kept: number; largest: readonly number[] }> }>();
  for (const [bucket, counts] of buckets) {
    if (bucket < first || bucket > last) continue;
    for (const [key, kept] of counts.roots) {
      const hashes = counts.rootHashes.get(key) ?? [];
      let entry = seen.get(key);
      if (!entry) seen.set(key, (entry = { kept: 0, largest: hashes.map(() => 0), recent: [] }));
      entry.kept += kept;
      entry.largest = hashes.map((h, i) => Math.max(h, entry?.largest[i] ?? 0));
      if (bucket >= recentFrom) entry.recent.push({ at: bucket, kept, largest: hashes });
    }
  }
  const table: AdaptiveTable = new Map();
  for (const [key, entry] of seen) {
    const { service, operation } = parseRootKey(key);
    // Past the bucket's operation cap, names are folded: there is no one operation to steer.
    if (operation === OTHER_OPERATIONS) continue;
    if (!steered(service, operation)) continue;
    const measured = measure(entry);
    if (!measured) continue;
    let operations = table.get(service);
    if (!operations) table.set(service, (operations = new Map()));
    operations.set(operation, nextProbability(measured.p, measured.ratePerSecond, options));
  }
  return table;
}

/**
 * The p in force and the true rate: from each recent minute that kept enough (the latest minute's
 * p, the minutes' rates averaged), else from the whole window at once (a rare operation).
 */
function measure(entry: { kept: number; largest: readonly number[]; recent: Array<{ at: number; kept: number; largest: readonly number[] }> }): { p: number; ratePerSecond: number } | null {
  const minutes = entry.recent
    .map((m) => ({ at: m.at, kept: m.kept, p: probabilityInForce(m.kept, m.largest, MIN_KEPT_PER_MINUTE) }))
    .filter((m): m is { at: number; kept: number; p: number } => m.p !== null && m.p > 0)
    .sort((a, b) => a.at - b.at);
  const latest = minutes.at(-1);
  if (latest) return { p: latest.p, ratePerSecond: minutes.reduce((sum, m) => sum + m.kept / m.p / SECONDS_PER_MINUTE, 0) / minutes.length };
  const p = probabilityInForce(entry.kept, entry.largest, 1);
  if (p === null || p <= 0) return null;
  return { p, ratePerSecond: entry.kept / p / (ADAPTIVE_WINDOW_MINUTES * SECONDS_PER_MINUTE) };
}

/**
 * Whether adaptive mode steers an operation: one of a probabilistic service that has no
 * probability of its own in the strategies. A listed operation keeps what the user gave it (a
 * health check at 0 stays at 0), and a service under a rate limit keeps its limit.
 */
export function isSteered(strategies: Strategies, service: string, operation: string): boolean {
  const answer = strategyFor(strategies, service);
  if (answer.strategyType !== "PROBABILISTIC") return false;
  return !answer.operationSampling?.perOperationStrategies.some((o) => o.operation === operation);
}

/**
 * The static answer with adaptive mode's per-operation probabilities laid over it: operations not
 * yet seen keep the static default, and the lower bound is announced to clients that honour it.
 */
export function adaptiveAnswer(staticAnswer: SamplingResponse, operations: ReadonlyMap<string, number> | undefined, options: AdaptiveOptions): SamplingResponse {
  if (staticAnswer.strategyType !== "PROBABILISTIC") return staticAnswer;
  const base = staticAnswer.operationSampling?.defaultSamplingProbability ?? staticAnswer.probabilisticSampling?.samplingRate ?? 1;
  const perOperation = new Map<string, number>();
  for (const o of staticAnswer.operationSampling?.perOperationStrategies ?? []) perOperation.set(o.operation, o.probabilisticSampling.samplingRate);
  for (const [operation, p] of operations ?? []) perOperation.set(operation, roundProbability(p));
  return {
    strategyType: "PROBABILISTIC",
    probabilisticSampling: { samplingRate: base },
    operationSampling: {
      defaultSamplingProbability: base,
      defaultLowerBoundTracesPerSecond: options.lowerBoundTracesPerSecond ?? ADAPTIVE_DEFAULTS.lowerBoundTracesPerSecond,
      perOperationStrategies: [...perOperation].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([operation, samplingRate]) => ({ operation, probabilisticSampling: { samplingRate } })),
      defaultUpperBoundTracesPerSecond: 0,
    },
  };
}

/** Six significant digits: the answer stays short and stable between polls. */
function roundProbability(p: number): number {
  return Number(p.toPrecision(6));
}
