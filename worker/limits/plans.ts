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

/** The plan named `name`, or the default plan for a name no longer configured. */
export function planOf(name: string | undefined): Plan {
  return (name !== undefined && PLANS[name]) || (PLANS[DEFAULT_PLAN] as Plan);
}
