/**
 * Plans: what a tenant may send. Configuration, not billing — a tenant's plan is a name in the
 * tenant directory (D1 `tenants.plan`), set by an operator; no payment provider is involved.
 * Limits are enforced per tenant where the tenant's ingest state lives (see worker/limits/).
 */

export interface Plan {
  name: string;
  /** Sustained spans per second the tenant may send. */
  spansPerSecond: number;
  /** Spans it may send at once above the sustained rate (the token bucket's size). */
  burstSpans: number;
  /** Spans accepted per calendar month (UTC); past it, ingest answers 429 until the month ends. */
  spansPerMonth: number;
}

export const PLANS: Readonly<Record<string, Plan>> = Object.freeze({
  free: { name: "free", spansPerSecond: 2_000, burstSpans: 20_000, spansPerMonth: 100_000_000 },
  team: { name: "team", spansPerSecond: 20_000, burstSpans: 200_000, spansPerMonth: 2_000_000_000 },
  enterprise: { name: "enterprise", spansPerSecond: 200_000, burstSpans: 2_000_000, spansPerMonth: 50_000_000_000 },
});

export const DEFAULT_PLAN = "free";

/**
 * The plan named `name`, or the default plan for a name no longer configured. `overrides` (the
 * PLAN_OVERRIDES var, JSON `{name: {spansPerSecond, burstSpans, spansPerMonth}}`) adds or replaces
 * plans: tests and benchmarks use it for plans small enough to reach; production leaves it empty.
 */
export function planOf(name: string | undefined, overrides?: string): Plan {
  return (name !== undefined && lookup(name, overrides)) || (PLANS[DEFAULT_PLAN] as Plan);
}

/** Whether a plan of this name exists (with the overrides), so an operator cannot set a typo. */
export function isPlan(name: string, overrides?: string): boolean {
  return lookup(name, overrides) !== undefined;
}

/** Own entries only: "toString" or "constructor" name no plan. */
function lookup(name: string, overrides: string | undefined): Plan | undefined {
  const extra = overrides ? parsedOverrides(overrides) : undefined;
  if (extra && Object.hasOwn(extra, name)) return extra[name];
  return Object.hasOwn(PLANS, name) ? PLANS[name] : undefined;
}

/** Parsed once per isolate per distinct text; entries whose numbers are not positive integers are ignored. */
let memo: { text: string; plans: Record<string, Plan> } | undefined;
function parsedOverrides(text: string): Record<string, Plan> {
  if (memo?.text === text) return memo.plans;
  const plans: Record<string, Plan> = {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (parsed && typeof parsed === "object") {
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      const v = value as Partial<Plan> | null;
      const ok = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0;
      if (v && ok(v.spansPerSecond) && ok(v.burstSpans) && ok(v.spansPerMonth)) {
        plans[name] = { name, spansPerSecond: v.spansPerSecond, burstSpans: v.burstSpans, spansPerMonth: v.spansPerMonth };
      }
    }
  }
  memo = { text, plans };
  return plans;
}
