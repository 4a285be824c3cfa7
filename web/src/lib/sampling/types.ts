/**
 * What `/api/sampling` answers and takes (worker/routes/sampling.ts; the shapes are
 * worker/sampling/strategies.ts, tail-policy.ts and settings.ts). Strategies are Jaeger's
 * strategies-file format, field names and all, so a file written for Jaeger pastes in as it is.
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

export interface SlowRule {
  service: string;
  operation?: string;
  ms: number;
}

export interface TailPolicy {
  keepErrors: boolean;
  slowerThanMs: number | null;
  slowerThan: SlowRule[];
  keepPercent: number;
}

export interface AdaptiveSettings {
  enabled: boolean;
  targetTracesPerSecond: number;
}

export interface SamplingView {
  /** What to give a remote sampler as its endpoint: it appends `/sampling?service=…`. */
  endpoint: string;
  strategies: Strategies;
  tail: TailPolicy;
  adaptive: AdaptiveSettings;
}

export type SamplingUpdate = Partial<Pick<SamplingView, "strategies" | "tail" | "adaptive">>;
