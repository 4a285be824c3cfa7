/**
 * Head-sampling strategies in Jaeger's strategies-file format, and the answer Jaeger's remote
 * sampling protocol gives a service. Users bring the file they already wrote for Jaeger; what a
 * service is told follows Jaeger's static strategy store (jaeger `internal/sampling/
 * samplingstrategy/file/provider.go`) so a client sees the same JSON from us as from Jaeger:
 * - a service without its own entry gets the default strategy;
 * - per-operation strategies are probabilistic only (Jaeger drops rate-limiting ones with a
 *   warning; we refuse them when saved, so what is stored is what is served);
 * - a service's operations default to its own probability (when probabilistic), else Jaeger's
 *   default probability; a service without operation strategies inherits the default strategy's,
 *   and a service with its own merges the default's in, its own taking precedence.
 */

export type StrategyType = "probabilistic" | "ratelimiting";

export interface OperationStrategy {
  operation: string;
  type: "probabilistic";
  param: number;
}

export interface ServiceStrategy {
  service: string;
  type: StrategyType;
  param: number;
  operation_strategies?: OperationStrategy[];
}

export interface Strategies {
  default_strategy: { type: StrategyType; param: number; operation_strategies?: OperationStrategy[] };
  service_strategies: ServiceStrategy[];
}

/** What a tenant gets before it sets anything: every trace sampled (Jaeger's default is 0.001). */
export const DEFAULT_STRATEGIES: Strategies = Object.freeze({ default_strategy: { type: "probabilistic", param: 1 }, service_strategies: [] }) as Strategies;

export const STRATEGY_LIMITS = {
  services: 1_000,
  operationsPerService: 500,
  nameLength: 500,
  /**
   * The whole sampling JSON is one D1 value, rewritten on each save: 32 KB keeps it far below
   * D1's 100 KB statement limit (worker/storage/sql-guard.ts) with room for the tail policy.
   */
  jsonBytes: 32 * 1024,
  /** Jaeger's protocol carries rate limits as int32. */
  maxTracesPerSecond: 2_147_483_647,
} as const;

/** A strategies value, or the first reason it is not one (with the path of the field at fault). */
export type Parsed<T> = { value: T } | { error: string; field: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkKeys(raw: Record<string, unknown>, allowed: string[], path: string): { error: string; field: string } | null {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) return { error: `'${path}.${key.slice(0, 40)}' is not a strategy field (${allowed.join(", ")})`, field: `${path}.${key.slice(0, 40)}` };
  }
  return null;
}

function parseTypeParam(raw: Record<string, unknown>, path: string, allowRateLimiting: boolean): Parsed<{ type: StrategyType; param: number }> {
  const type = raw.type;
  if (type !== "probabilistic" && type !== "ratelimiting") {
    if (!allowRateLimiting) return { error: `'${path}.type' must be "probabilistic"`, field: `${path}.type` };
    return { error: `'${path}.type' must be "probabilistic" or "ratelimiting"`, field: `${path}.type` };
  }
  if (type === "ratelimiting" && !allowRateLimiting) {
    return { error: `'${path}.type' must be "probabilistic": Jaeger's protocol has per-operation probabilities only`, field: `${path}.type` };
  }
  const param = raw.param;
  if (typeof param !== "number" || !Number.isFinite(param)) return { error: `'${path}.param' must be a number`, field: `${path}.param` };
  if (type === "probabilistic" && (param < 0 || param > 1)) return { error: `'${path}.param' is a sampling probability: from 0 to 1`, field: `${path}.param` };
  if (type === "ratelimiting" && (!Number.isInteger(param) || param < 0 || param > STRATEGY_LIMITS.maxTracesPerSecond)) {
    return { error: `'${path}.param' is traces per second: a whole number ≥ 0`, field: `${path}.param` };
  }
  return { value: { type, param } };
}

function parseName(value: unknown, path: string, what: string): Parsed<string> {
  if (typeof value !== "string" || value === "") return { error: `'${path}' must be a ${what} name`, field: path };
  if (value.length > STRATEGY_LIMITS.nameLength) return { error: `'${path}' is longer than ${STRATEGY_LIMITS.nameLength} characters`, field: path };
  return { value };
}

function parseOperations(input: unknown, path: string): Parsed<OperationStrategy[] | undefined> {
  if (input === undefined || input === null) return { value: undefined };
  if (!Array.isArray(input)) return { error: `'${path}' must be a list of {operation, type, param}`, field: path };
  if (input.length > STRATEGY_LIMITS.operationsPerService) return { error: `'${path}' holds at most ${STRATEGY_LIMITS.operationsPerService} operations`, field: path };
  const seen = new Set<string>();
  const out: OperationStrategy[] = [];
  for (const [i, raw] of input.entries()) {
    const at = `${path}[${i}]`;
    if (!isRecord(raw)) return { error: `'${at}' must be an object {operation, type, param}`, field: at };
    const keys = checkKeys(raw, ["operation", "type", "param"], at);
    if (keys) return keys;
    const name = parseName(raw.operation, `${at}.operation`, "an operation");
    if ("error" in name) return name;
    if (seen.has(name.value)) return { error: `'${at}.operation': "${name.value.slice(0, 80)}" is listed twice`, field: `${at}.operation` };
    seen.add(name.value);
    const strategy = parseTypeParam(raw, at, false);
    if ("error" in strategy) return strategy;
    out.push({ operation: name.value, type: "probabilistic", param: strategy.value.param });
  }
  return { value: out };
}

/** Strict: unknown fields, wrong types, out-of-range params and duplicate names are refused. */
export function parseStrategies(input: unknown): Parsed<Strategies> {
  const path = "strategies";
  if (!isRecord(input)) return { error: "'strategies' must be an object {default_strategy, service_strategies}", field: path };
  const keys = checkKeys(input, ["default_strategy", "service_strategies"], path);
  if (keys) return keys;
  let defaultStrategy: Strategies["default_strategy"] = { ...DEFAULT_STRATEGIES.default_strategy };
  if (input.default_strategy !== undefined) {
    const at = `${path}.default_strategy`;
    const raw = input.default_strategy;
    if (!isRecord(raw)) return { error: `'${at}' must be an object {type, param}`, field: at };
    const rawKeys = checkKeys(raw, ["type", "param", "operation_strategies"], at);
    if (rawKeys) return rawKeys;
    const strategy = parseTypeParam(raw, at, true);
    if ("error" in strategy) return strategy;
    const operations = parseOperations(raw.operation_strategies, `${at}.operation_strategies`);
    if ("error" in operations) return operations;
    defaultStrategy = { ...strategy.value, ...(operations.value?.length ? { operation_strategies: operations.value } : {}) };
  }
  const list = input.service_strategies ?? [];
  if (!Array.isArray(list)) return { error: `'${path}.service_strategies' must be a list of {service, type, param, operation_strategies?}`, field: `${path}.service_strategies` };
  if (list.length > STRATEGY_LIMITS.services) return { error: `'${path}.service_strategies' holds at most ${STRATEGY_LIMITS.services} services`, field: `${path}.service_strategies` };
  const seen = new Set<string>();
  const services: ServiceStrategy[] = [];
  for (const [i, raw] of list.entries()) {
    const at = `${path}.service_strategies[${i}]`;
    if (!isRecord(raw)) return { error: `'${at}' must be an object {service, type, param}`, field: at };
    const rawKeys = checkKeys(raw, ["service", "type", "param", "operation_strategies"], at);
    if (rawKeys) return rawKeys;
    const name = parseName(raw.service, `${at}.service`, "a service");
    if ("error" in name) return name;
    if (seen.has(name.value)) return { error: `'${at}.service': "${name.value.slice(0, 80)}" is listed twice`, field: `${at}.service` };
    seen.add(name.value);
    const strategy = parseTypeParam(raw, at, true);
    if ("error" in strategy) return strategy;
    const operations = parseOperations(raw.operation_strategies, `${at}.operation_strategies`);
    if ("error" in operations) return operations;
    services.push({ service: name.value, ...strategy.value, ...(operations.value?.length ? { operation_strategies: operations.value } : {}) });
  }
  return { value: { default_strategy: defaultStrategy, service_strategies: services } };
}

/** Jaeger's sampling answer (api_v2.SamplingStrategyResponse as JSON). */
export interface SamplingResponse {
  strategyType: "PROBABILISTIC" | "RATE_LIMITING";
  probabilisticSampling?: { samplingRate: number };
  rateLimitingSampling?: { maxTracesPerSecond: number };
  operationSampling?: OperationSampling;
}

export interface OperationSampling {
  defaultSamplingProbability: number;
  defaultLowerBoundTracesPerSecond: number;
  perOperationStrategies: Array<{ operation: string; probabilisticSampling: { samplingRate: number } }>;
  defaultUpperBoundTracesPerSecond: number;
}

/** Jaeger's `--sampling.default-sampling-probability` for operations under a rate-limited service. */
export const JAEGER_DEFAULT_PROBABILITY = 0.001;

function base(strategy: { type: StrategyType; param: number }): SamplingResponse {
  return strategy.type === "probabilistic"
    ? { strategyType: "PROBABILISTIC", probabilisticSampling: { samplingRate: strategy.param } }
    : { strategyType: "RATE_LIMITING", rateLimitingSampling: { maxTracesPerSecond: strategy.param } };
}

/**
 * Zero-valued fields are written out, as Jaeger writes them (it marshals with EmitDefaults so that
 * PROBABILISTIC, enum value 0, is not omitted).
 */
function operationSampling(defaultProbability: number, operations: readonly OperationStrategy[]): OperationSampling {
  return {
    defaultSamplingProbability: defaultProbability,
    defaultLowerBoundTracesPerSecond: 0,
    perOperationStrategies: operations.map((o) => ({ operation: o.operation, probabilisticSampling: { samplingRate: o.param } })),
    defaultUpperBoundTracesPerSecond: 0,
  };
}

/** What Jaeger's static store answers `GET /sampling?service=<service>`. */
export function strategyFor(strategies: Strategies, service: string): SamplingResponse {
  const fallback = strategies.default_strategy;
  const defaultOps = fallback.operation_strategies ?? [];
  const own = strategies.service_strategies.find((s) => s.service === service);
  if (!own) {
    const answer = base(fallback);
    if (defaultOps.length) answer.operationSampling = operationSampling(fallback.type === "probabilistic" ? fallback.param : JAEGER_DEFAULT_PROBABILITY, defaultOps);
    return answer;
  }
  const answer = base(own);
  const ownOps = own.operation_strategies ?? [];
  if (ownOps.length) {
    const merged = [...ownOps, ...defaultOps.filter((d) => !ownOps.some((o) => o.operation === d.operation))];
    answer.operationSampling = operationSampling(own.type === "probabilistic" ? own.param : JAEGER_DEFAULT_PROBABILITY, merged);
  } else if (defaultOps.length) {
    // Jaeger copies the default's operation sampling, with the service's own probability as default.
    const inherited = fallback.type === "probabilistic" ? fallback.param : JAEGER_DEFAULT_PROBABILITY;
    answer.operationSampling = operationSampling(own.type === "probabilistic" ? own.param : inherited, defaultOps);
  }
  return answer;
}
