/**
 * The OTLP route's side of the limits: one call to the tenant's IngestLimiter before anything is
 * stored. A refusal becomes a typed error the route answers as google.rpc.Status — 429 with
 * Retry-After when the request can pass later, 413 when it never can.
 */
import type { Principal } from "../middleware/auth";
import { PayloadTooLarge, TooManyRequests, Unavailable } from "../errors";
import type { TenantConfig } from "../storage/tenant-directory";
import { planOf } from "./plans";
import { limiterStub, type KeyCaps } from "./protocol";

export interface IngestCounts {
  /** Valid spans the request would store. */
  spans: number;
  /** Body bytes after decompression. */
  bytes: number;
  /** Spans the decoder refused as malformed. */
  invalidSpans: number;
}

/**
 * Admits the request or throws. Returns a function that takes the spans back, for when storage
 * then fails and the exporter will send the same spans again.
 */
export async function admitIngest(env: Env, config: TenantConfig, principal: Principal, counts: IngestCounts): Promise<() => Promise<void>> {
  if (counts.spans === 0 && counts.invalidSpans === 0) return async () => {};
  const key: KeyCaps | null =
    principal.kind === "key" ? { id: principal.keyId, name: principal.keyName, spansPerSecond: principal.limits.spansPerSecond, spansPerDay: principal.limits.spansPerDay } : null;
  const limiter = limiterStub(env, config.tenantId);
  let admission;
  try {
    admission = await limiter.admit({ tenantId: config.tenantId, plan: planOf(config.plan, env.PLAN_OVERRIDES), key, ...counts });
  } catch (error) {
    // Closed, not open: a limiter that cannot answer must not let a flood through to storage.
    // 503 is retryable, so exporters send the batch again instead of losing it.
    console.error(`ingest limiter of ${config.tenantId} unavailable`, error);
    throw new Unavailable("ingest limits are temporarily unavailable; retry", 1);
  }
  if (!admission.allowed) {
    if (admission.status === 413) throw new PayloadTooLarge(admission.message);
    throw new TooManyRequests(admission.message, admission.retryAfterSeconds);
  }
  return async () => {
    try {
      await limiter.refund(key?.id ?? null, counts.spans);
    } catch (error) {
      console.error(`ingest limiter of ${config.tenantId}: refund failed`, error);
    }
  };
}
