/**
 * The OTLP route's side of the limits, before anything is stored: a request the isolate's lease
 * covers is admitted in memory (lease.ts); any other asks the tenant's IngestLimiter, returning
 * what earlier leases left unused and asking for a new lease beside it. A refusal becomes a typed
 * error the route answers as google.rpc.Status — 429 with Retry-After when the request can pass
 * later, 413 when it never can.
 */
import type { Principal } from "../middleware/auth";
import { PayloadTooLarge, TooManyRequests, Unavailable } from "../errors";
import type { TenantConfig } from "../storage/tenant-directory";
import { isolateLeases, LeaseBook, type Lease } from "./lease";
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

/** What admitting needs of the request's context: somewhere to run the lease's return timer. */
export interface Background {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Admits the request or throws. Returns a function that takes the spans back, for when storage
 * then fails and the exporter will send the same spans again.
 */
export async function admitIngest(
  env: Env,
  background: Background,
  config: TenantConfig,
  principal: Principal,
  counts: IngestCounts,
  leases: LeaseBook = isolateLeases,
): Promise<() => Promise<void>> {
  if (counts.spans === 0 && counts.invalidSpans === 0) return async () => {};
  const key: KeyCaps | null =
    principal.kind === "key" ? { id: principal.keyId, name: principal.keyName, spansPerSecond: principal.limits.spansPerSecond, spansPerDay: principal.limits.spansPerDay } : null;
  const keyId = key?.id ?? null;
  const limiter = limiterStub(env, config.tenantId);
  const leaseMs = leaseWindowMs(env);
  const id = LeaseBook.id(config.tenantId, keyId);
  const refundDirect = async () => {
    try {
      await limiter.refund(keyId, counts.spans);
    } catch (error) {
      console.error(`ingest limiter of ${config.tenantId}: refund failed`, error);
    }
  };
  const refundVia = (lease: Lease | undefined) => async () => {
    if (!lease || !leases.giveBack(id, lease, counts.spans, Date.now())) await refundDirect();
  };

  // Invalid spans are counted by the limiter (usage by reason), so such requests always call.
  if (leaseMs > 0 && counts.invalidSpans === 0) {
    for (;;) {
      if (leases.take(id, counts.spans, Date.now())) return refundVia(leases.current(id));
      const inFlight = leases.inFlight(id);
      if (!inFlight) break;
      await inFlight.catch(() => undefined);
    }
  }

  const plan = planOf(config.plan, env.PLAN_OVERRIDES);
  let answer;
  try {
    // The lease is held before the call's promise settles, so requests waiting on it find it.
    answer = await leases.single(id, async () => {
      leases.retire(id);
      const returned = leases.takeOwed(id);
      const leaseWanted = leaseMs > 0 ? leases.wanted(id, counts.spans) : 0;
      const admission = await limiter.admit({ tenantId: config.tenantId, plan, key, ...counts, returned, leaseWanted });
      const lease = admission.allowed && admission.leaseSpans > 0 ? leases.hold(id, admission.leaseSpans, Date.now() + leaseMs) : undefined;
      return { admission, lease };
    });
  } catch (error) {
    // Closed, not open: a limiter that cannot answer must not let a flood through to storage.
    // 503 is retryable, so exporters send the batch again instead of losing it.
    console.error(`ingest limiter of ${config.tenantId} unavailable`, error);
    throw new Unavailable("ingest limits are temporarily unavailable; retry", 1);
  }
  const { admission, lease } = answer;
  if (!admission.allowed) {
    if (admission.status === 413) throw new PayloadTooLarge(admission.message);
    throw new TooManyRequests(admission.message, admission.retryAfterSeconds);
  }
  if (!lease) return refundDirect;
  // Unless a later request retires it first, the lease's unused spans go back a window after it
  // ends (the wait costs no CPU; waitUntil may run 30 s past the response).
  background.waitUntil(returnWhenIdle(limiter, leases, id, keyId, lease, 2 * leaseMs));
  return refundVia(lease);
}

async function returnWhenIdle(
  limiter: ReturnType<typeof limiterStub>,
  leases: LeaseBook,
  id: string,
  keyId: string | null,
  lease: Lease,
  afterMs: number,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  leases.expire(id, lease);
  const owed = leases.takeOwed(id);
  if (owed <= 0) return;
  try {
    await limiter.refund(keyId, owed);
  } catch (error) {
    // The spans stay counted: counts err high, never low.
    console.error("ingest limiter: returning a lease failed", error);
  }
}

/** INGEST_LEASE_MS: how long a lease admits requests (0 or unset: every request asks the limiter). */
function leaseWindowMs(env: Env): number {
  const ms = Number(env.INGEST_LEASE_MS ?? 0);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 10_000) : 0;
}
