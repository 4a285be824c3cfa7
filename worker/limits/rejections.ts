/**
 * Spans refused at ingest, per tenant per UTC day and reason: the part of a tenant's usage its
 * trace shards never see (they count what they accepted, stored and dropped). Counted where limits
 * are enforced and read by the usage route.
 */
import type { TenantConfig } from "../storage/tenant-directory";
import { limiterStub } from "./protocol";

export interface RejectedDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Spans refused as malformed (OTLP partial success or a refused body). */
  spansInvalid: number;
  /** Spans refused over the tenant's or a key's rate (429). */
  spansOverLimit: number;
  /** Spans refused over a key's daily cap or the plan's monthly quota (429). */
  spansOverQuota: number;
  /** Bytes of the bodies refused over a limit or quota. */
  bytesRejected: number;
}

/** The tenant's rejections on each day from `from` to `to` (inclusive, YYYY-MM-DD), days with none left out. */
export async function rejectedUsage(env: Env, config: TenantConfig, from: string, to: string): Promise<RejectedDay[]> {
  // The limiter adds what it has counted but not yet written, so a refusal shows at once.
  return limiterStub(env, config.tenantId).rejectedDays(from, to);
}
