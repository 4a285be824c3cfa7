/**
 * What `/api/sampling` answers and takes (worker/routes/sampling.ts): the shapes are the Worker's
 * own (worker/sampling/strategies.ts, tail-policy.ts and settings.ts), defined once. Strategies
 * are Jaeger's strategies-file format, field names and all, so a file written for Jaeger pastes in
 * as it is.
 */

export type { OperationStrategy, ServiceStrategy, Strategies, StrategyType } from "$sampling/strategies";
export type { SlowRule, TailPolicy } from "$sampling/tail-policy";
export type { AdaptiveSettings } from "$sampling/settings";
import type { Strategies } from "$sampling/strategies";
import type { TailPolicy } from "$sampling/tail-policy";
import type { AdaptiveSettings } from "$sampling/settings";

export interface SamplingView {
  /** What to give a remote sampler as its endpoint: it appends `/sampling?service=…`. */
  endpoint: string;
  strategies: Strategies;
  tail: TailPolicy;
  adaptive: AdaptiveSettings;
}

export type SamplingUpdate = Partial<Pick<SamplingView, "strategies" | "tail" | "adaptive">>;
