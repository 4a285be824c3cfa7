/**
 * A tenant's sampling settings as stored (one JSON value in `tenants.sampling`) and as
 * `/api/sampling` shows and takes them: head-sampling strategies, the tail policy, adaptive mode.
 * Each part is validated on its own, so a bad part is refused with a reason naming its field.
 */
import { KEEP_ALL, parseTailPolicy, type TailPolicy } from "./tail-policy";
import { DEFAULT_STRATEGIES, parseStrategies, STRATEGY_LIMITS, type Parsed, type Strategies } from "./strategies";

export interface AdaptiveSettings {
  enabled: boolean;
  /** Kept root traces per second wanted per operation of each service. */
  targetTracesPerSecond: number;
}

export interface SamplingSettings {
  strategies: Strategies;
  tail: TailPolicy;
  adaptive: AdaptiveSettings;
}

export const ADAPTIVE_OFF: AdaptiveSettings = Object.freeze({ enabled: false, targetTracesPerSecond: 1 }) as AdaptiveSettings;
export const MAX_TARGET_TRACES_PER_SECOND = 100_000;

export const DEFAULT_SAMPLING: SamplingSettings = Object.freeze({ strategies: DEFAULT_STRATEGIES, tail: KEEP_ALL, adaptive: ADAPTIVE_OFF }) as SamplingSettings;

export function parseAdaptive(input: unknown): Parsed<AdaptiveSettings> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { error: "'adaptive' must be an object {enabled, targetTracesPerSecond}", field: "adaptive" };
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (key !== "enabled" && key !== "targetTracesPerSecond") return { error: `'adaptive.${key.slice(0, 40)}' is not an adaptive setting (enabled, targetTracesPerSecond)`, field: `adaptive.${key.slice(0, 40)}` };
  }
  const enabled = raw.enabled ?? ADAPTIVE_OFF.enabled;
  if (typeof enabled !== "boolean") return { error: "'adaptive.enabled' must be true or false", field: "adaptive.enabled" };
  const target = raw.targetTracesPerSecond ?? ADAPTIVE_OFF.targetTracesPerSecond;
  if (typeof target !== "number" || !Number.isFinite(target) || target <= 0 || target > MAX_TARGET_TRACES_PER_SECOND) {
    return { error: `'adaptive.targetTracesPerSecond' must be a number of traces per second above 0 and at most ${MAX_TARGET_TRACES_PER_SECOND}`, field: "adaptive.targetTracesPerSecond" };
  }
  return { value: { enabled, targetTracesPerSecond: target } };
}

/** A PUT body's parts over the current settings, or the first reason one is refused. */
export function applyUpdate(current: SamplingSettings, body: Record<string, unknown>): Parsed<SamplingSettings> {
  const keys = Object.keys(body);
  for (const key of keys) {
    if (key !== "strategies" && key !== "tail" && key !== "adaptive") return { error: `unknown sampling setting "${key.slice(0, 64)}": settable are strategies, tail and adaptive`, field: key.slice(0, 64) };
  }
  if (keys.length === 0) return { error: "nothing to change: send strategies, tail or adaptive", field: "" };
  const next = { ...current };
  if (body.strategies !== undefined) {
    const parsed = parseStrategies(body.strategies);
    if ("error" in parsed) return parsed;
    next.strategies = parsed.value;
  }
  if (body.tail !== undefined) {
    const parsed = parseTailPolicy(body.tail);
    if ("error" in parsed) return { error: parsed.error, field: fieldOf(parsed.error) ?? "tail" };
    next.tail = parsed.policy;
  }
  if (body.adaptive !== undefined) {
    const parsed = parseAdaptive(body.adaptive);
    if ("error" in parsed) return parsed;
    next.adaptive = parsed.value;
  }
  const bytes = new TextEncoder().encode(JSON.stringify(next)).length;
  if (bytes > STRATEGY_LIMITS.jsonBytes) {
    return { error: `the sampling settings would take ${bytes} bytes; at most ${STRATEGY_LIMITS.jsonBytes} are kept (fewer services or operations)`, field: "strategies" };
  }
  return { value: next };
}

/** The quoted path at the start of a tail-policy message ('tail.keepPercent' must…). */
function fieldOf(message: string): string | null {
  const match = /^'([^']+)'/.exec(message);
  return match?.[1] ?? null;
}

/** The stored value; missing or unreadable parts take their defaults (each part was validated when saved). */
export function readSettings(json: string | null): SamplingSettings {
  if (!json) return DEFAULT_SAMPLING;
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    raw = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return DEFAULT_SAMPLING;
  }
  const strategies = raw.strategies === undefined ? null : parseStrategies(raw.strategies);
  const tail = raw.tail === undefined ? null : parseTailPolicy(raw.tail);
  const adaptive = raw.adaptive === undefined ? null : parseAdaptive(raw.adaptive);
  return {
    strategies: strategies && "value" in strategies ? strategies.value : DEFAULT_STRATEGIES,
    tail: tail && "policy" in tail ? tail.policy : KEEP_ALL,
    adaptive: adaptive && "value" in adaptive ? adaptive.value : ADAPTIVE_OFF,
  };
}
