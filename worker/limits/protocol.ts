/**
 * What the OTLP route and the tenant's IngestLimiter (durable-objects/ingest-limiter.ts) say to
 * each other: an `admit` call per ingest request that no lease of the isolate covers (lease.ts),
 * answered allow (with a lease, maybe) or refuse.
 */
import type { Plan } from "./plans";

/** A key's own caps, set by its owner (null: none). */
export interface KeyCaps {
  id: string;
  /** For messages ("key 'ci' daily cap …"). */
  name: string;
  spansPerSecond: number | null;
  spansPerDay: number | null;
}

export interface AdmitRequest {
  tenantId: string;
  plan: Plan;
  key: KeyCaps | null;
  /** Valid spans the request would store; what every limit counts. */
  spans: number;
  /** Body bytes (after decompression), counted as rejected when the request is refused. */
  bytes: number;
  /** Spans the decoder refused as malformed: counted, never limited. */
  invalidSpans: number;
  /** Unused spans of the isolate's earlier leases, given back before this request is checked. */
  returned: number;
  /** Spans the isolate would like leased beside this request (0: no lease; see lease.ts). */
  leaseWanted: number;
}

/** Which limit refused a request. */
export type LimitName = "tenant_rate" | "key_rate" | "key_daily" | "plan_monthly";

export type Admission =
  | {
      allowed: true;
      /** Spans leased to the isolate beyond this request, already counted against every limit. */
      leaseSpans: number;
    }
  | {
      allowed: false;
      limit: LimitName;
      /** 429 when the request can pass later; 413 when it never can (larger than a whole cap). */
      status: 429 | 413;
      message: string;
      retryAfterSeconds: number;
    };

export type Refusal = Extract<Admission, { allowed: false }>;

/** The limiter's own accounting, for operators and the cost benchmark. */
export interface LimiterReport {
  month: string;
  monthSpans: number;
  day: string;
  keys: Array<{ id: string; daySpans: number }>;
  /** This month (kept across restarts, up to the last write): admit calls, alarms that ran, SQL rows it wrote. */
  requests: number;
  alarms: number;
  rowsWritten: number;
}

/** Counts are written at most this often (by an alarm while anything is unwritten). */
export const PERSIST_INTERVAL_MS = 5_000;

/** The tenant's limiter object: one per tenant, so a tenant at its limit slows no other. */
export function limiterStub(env: Env, tenantId: string) {
  return env.INGEST_LIMITER.getByName(`${tenantId}/limits/0`);
}
