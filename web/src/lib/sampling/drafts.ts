/**
 * The Sampling page's forms as text the user edits, and back to what `/api/sampling` takes. Every
 * problem is keyed by the same field path the server uses in its 400s
 * (`strategies.service_strategies[1].operation_strategies[0].param`, `tail.keepPercent`…), so a
 * message shows beside its input whether it was found here or by the server. The server stays the
 * authority; this mirrors its rules so a typo is caught without a round trip.
 */
import type { AdaptiveSettings, OperationStrategy, ServiceStrategy, Strategies, StrategyType, TailPolicy } from "./types";

export type Problems = Record<string, string>;
export type Built<T> = { ok: true; value: T } | { ok: false; problems: Problems };

export interface OperationRow {
  operation: string;
  param: string;
}

export interface ServiceRow {
  service: string;
  type: StrategyType;
  param: string;
  operations: OperationRow[];
}

export interface StrategiesDraft {
  type: StrategyType;
  param: string;
  operations: OperationRow[];
  services: ServiceRow[];
}

export interface TailDraft {
  keepErrors: boolean;
  slowerThanMs: string;
  rules: Array<{ service: string; operation: string; ms: string }>;
  keepPercent: string;
}

export interface AdaptiveDraft {
  enabled: boolean;
  target: string;
}

const text = (n: number) => String(n);
const operationRows = (ops: readonly OperationStrategy[] | undefined): OperationRow[] => (ops ?? []).map((o) => ({ operation: o.operation, param: text(o.param) }));

export function strategiesDraft(strategies: Strategies): StrategiesDraft {
  return {
    type: strategies.default_strategy.type,
    param: text(strategies.default_strategy.param),
    operations: operationRows(strategies.default_strategy.operation_strategies),
    services: strategies.service_strategies.map((s) => ({ service: s.service, type: s.type, param: text(s.param), operations: operationRows(s.operation_strategies) })),
  };
}

export function tailDraft(tail: TailPolicy): TailDraft {
  return {
    keepErrors: tail.keepErrors,
    slowerThanMs: tail.slowerThanMs === null ? "" : text(tail.slowerThanMs),
    rules: tail.slowerThan.map((r) => ({ service: r.service, operation: r.operation ?? "", ms: text(r.ms) })),
    keepPercent: text(tail.keepPercent),
  };
}

export function adaptiveDraft(adaptive: AdaptiveSettings): AdaptiveDraft {
  return { enabled: adaptive.enabled, target: text(adaptive.targetTracesPerSecond) };
}

/** A decimal number as typed ("0.25", ".5", "10"), or null. Not Number(): it takes "", "0x10", "1e3". */
function decimal(value: string): number | null {
  const trimmed = value.trim();
  return /^\d+(\.\d*)?$|^\.\d+$/.test(trimmed) ? Number(trimmed) : null;
}

function param(type: StrategyType, value: string, path: string, problems: Problems): number {
  const n = decimal(value);
  if (type === "probabilistic") {
    if (n === null || n > 1) problems[path] = "Enter a probability from 0 to 1, e.g. 0.25 for one trace in four.";
  } else if (n === null || !Number.isInteger(n)) {
    problems[path] = "Enter a whole number of traces per second, e.g. 5.";
  }
  return n ?? 0;
}

function operations(rows: readonly OperationRow[], path: string, problems: Problems): OperationStrategy[] {
  const seen = new Set<string>();
  return rows.map((row, i) => {
    const at = `${path}.operation_strategies[${i}]`;
    const name = row.operation.trim();
    if (!name) problems[`${at}.operation`] = "Name the operation (the span name), e.g. GET /health.";
    else if (seen.has(name)) problems[`${at}.operation`] = `“${name}” is listed twice.`;
    seen.add(name);
    return { operation: name, type: "probabilistic", param: param("probabilistic", row.param, `${at}.param`, problems) };
  });
}

export function buildStrategies(draft: StrategiesDraft): Built<Strategies> {
  const problems: Problems = {};
  const root = "strategies.default_strategy";
  const defaultOps = operations(draft.operations, root, problems);
  const seen = new Set<string>();
  const services: ServiceStrategy[] = draft.services.map((row, i) => {
    const at = `strategies.service_strategies[${i}]`;
    const name = row.service.trim();
    if (!name) problems[`${at}.service`] = "Name the service (its service.name).";
    else if (seen.has(name)) problems[`${at}.service`] = `“${name}” is listed twice.`;
    seen.add(name);
    const ops = operations(row.operations, at, problems);
    return { service: name, type: row.type, param: param(row.type, row.param, `${at}.param`, problems), ...(ops.length ? { operation_strategies: ops } : {}) };
  });
  const value: Strategies = {
    default_strategy: { type: draft.type, param: param(draft.type, draft.param, `${root}.param`, problems), ...(defaultOps.length ? { operation_strategies: defaultOps } : {}) },
    service_strategies: services,
  };
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, value };
}

export function buildTail(draft: TailDraft): Built<TailPolicy> {
  const problems: Problems = {};
  let slowerThanMs: number | null = null;
  if (draft.slowerThanMs.trim() !== "") {
    slowerThanMs = decimal(draft.slowerThanMs);
    if (slowerThanMs === null) problems["tail.slowerThanMs"] = "Enter milliseconds, e.g. 500, or leave it empty.";
  }
  const keepPercent = decimal(draft.keepPercent);
  if (keepPercent === null || keepPercent > 100) problems["tail.keepPercent"] = "Enter a percentage from 0 to 100.";
  const slowerThan = draft.rules.map((rule, i) => {
    const at = `tail.slowerThan[${i}]`;
    if (!rule.service.trim()) problems[`${at}.service`] = "Name the service.";
    const ms = decimal(rule.ms);
    if (ms === null) problems[`${at}.ms`] = "Enter milliseconds, e.g. 250.";
    const operation = rule.operation.trim();
    return { service: rule.service.trim(), ...(operation ? { operation } : {}), ms: ms ?? 0 };
  });
  if (Object.keys(problems).length) return { ok: false, problems };
  return { ok: true, value: { keepErrors: draft.keepErrors, slowerThanMs, slowerThan, keepPercent: keepPercent ?? 100 } };
}

export function buildAdaptive(draft: AdaptiveDraft): Built<AdaptiveSettings> {
  const target = decimal(draft.target);
  if (target === null || target <= 0) return { ok: false, problems: { "adaptive.targetTracesPerSecond": "Enter how many traces a second to keep per operation, e.g. 1." } };
  return { ok: true, value: { enabled: draft.enabled, targetTracesPerSecond: target } };
}

/** What the endpoint card shows: how to point the stock sampler at it. */
export function samplerSnippet(endpoint: string): { env: string; code: string } {
  return {
    env: `EDGETRACE_SAMPLING_ENDPOINT=${endpoint}`,
    code: `import { JaegerRemoteSampler } from "@opentelemetry/sampler-jaeger-remote";
import { ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace";

// Polls ${endpoint}/sampling?service=checkout once a minute; no API key needed.
const sampler = new JaegerRemoteSampler({
  endpoint: process.env.EDGETRACE_SAMPLING_ENDPOINT,
  serviceName: "checkout",
  poolingInterval: 60_000,
  // Used until the first answer arrives.
  initialSampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
});
// new NodeTracerProvider({ sampler, spanProcessors: [...] })`,
  };
}
