/**
 * The tenant's tail-sampling policy: which completed traces its shards store. Decided once a trace
 * is complete, after it has been counted in the graph and RED metrics (so sampling never skews
 * them). Part of the tenant's sampling settings (`PUT /api/sampling {tail}`), passed to every
 * shard with each call (ShardConfig.tail). The default keeps everything.
 */

export interface SlowRule {
  service: string;
  /** Absent: every operation of the service. */
  operation?: string;
  ms: number;
}

export interface TailPolicy {
  /** Keep every trace with an error span. */
  keepErrors: boolean;
  /** Keep every trace whose duration is at least this (ms); null: no such rule. */
  slowerThanMs: number | null;
  /** Per service (and operation) thresholds, matched against the trace's spans. */
  slowerThan: SlowRule[];
  /** Of the traces no rule above keeps, the share to keep (0–100), chosen by trace id. */
  keepPercent: number;
}

export const KEEP_ALL: TailPolicy = Object.freeze({ keepErrors: true, slowerThanMs: null, slowerThan: [], keepPercent: 100 }) as TailPolicy;

export const MAX_SLOW_RULES = 100;

/** Whether the policy keeps every trace (the shard can skip deciding). */
export function keepsAll(policy: TailPolicy): boolean {
  return policy.keepPercent >= 100;
}

/** A policy from JSON, or the reason it is not one. Absent fields take KEEP_ALL's values. */
export function parseTailPolicy(input: unknown): { policy: TailPolicy } | { error: string } {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { error: "'tail' must be an object" };
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!["keepErrors", "slowerThanMs", "slowerThan", "keepPercent"].includes(key)) return { error: `'tail.${key.slice(0, 40)}' is not a tail-sampling setting (keepErrors, slowerThanMs, slowerThan, keepPercent)` };
  }
  const keepErrors = raw.keepErrors ?? KEEP_ALL.keepErrors;
  if (typeof keepErrors !== "boolean") return { error: "'tail.keepErrors' must be true or false" };
  const slowerThanMs = raw.slowerThanMs ?? null;
  if (slowerThanMs !== null && !(typeof slowerThanMs === "number" && Number.isFinite(slowerThanMs) && slowerThanMs >= 0)) return { error: "'tail.slowerThanMs' must be a number of milliseconds ≥ 0, or null" };
  const keepPercent = raw.keepPercent ?? KEEP_ALL.keepPercent;
  if (!(typeof keepPercent === "number" && Number.isFinite(keepPercent) && keepPercent >= 0 && keepPercent <= 100)) return { error: "'tail.keepPercent' must be a number from 0 to 100" };
  const rules = raw.slowerThan ?? [];
  if (!Array.isArray(rules)) return { error: "'tail.slowerThan' must be a list of {service, operation?, ms}" };
  if (rules.length > MAX_SLOW_RULES) return { error: `'tail.slowerThan' holds at most ${MAX_SLOW_RULES} rules` };
  const slowerThan: SlowRule[] = [];
  for (const [i, rule] of rules.entries()) {
    const r = (rule ?? {}) as Record<string, unknown>;
    if (typeof r.service !== "string" || r.service === "" || r.service.length > 200) return { error: `'tail.slowerThan[${i}].service' must be a service name` };
    if (r.operation !== undefined && (typeof r.operation !== "string" || r.operation.length > 500)) return { error: `'tail.slowerThan[${i}].operation' must be an operation name` };
    if (!(typeof r.ms === "number" && Number.isFinite(r.ms) && r.ms >= 0)) return { error: `'tail.slowerThan[${i}].ms' must be a number of milliseconds ≥ 0` };
    slowerThan.push({ service: r.service, ...(r.operation !== undefined ? { operation: r.operation as string } : {}), ms: r.ms });
  }
  return { policy: { keepErrors, slowerThanMs: slowerThanMs as number | null, slowerThan, keepPercent } };
}
