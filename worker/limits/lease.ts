/**
 * Leases: spans a Worker isolate may admit without asking the tenant's IngestLimiter again.
 *
 * Asking the limiter once per request costs a Durable Object request each ($0.15/M): for a tenant
 * sending 100-span batches that alone is $0.0015 a million spans, most of the limits' budget. So
 * when the limiter admits a request it may also grant the isolate a lease — spans already taken
 * from every bucket and count it keeps (tenant rate, key rate, key day, month) — for a short
 * window. Requests that fit the lease are admitted here, in memory, with no call.
 *
 * Limits stay exact in total: a lease is debited before it is used, so the sum over isolates never
 * passes a limit. A lease is sized by what this isolate used under its previous one (doubling from
 * a few requests' worth), and the limiter grants at most half of what is left, so leases follow
 * real traffic and no isolate sits on a tenant's headroom while others are refused. What a lease
 * did not use is owed back: returned with the isolate's next call, or by the Worker's timer
 * (ctx.waitUntil) once the window has passed. Should an isolate die owing spans, they stay
 * counted — counts err high by at most one window's spans, never low.
 */

export interface Lease {
  /** Spans the limiter granted. */
  granted: number;
  /** Spans still admissible under this lease. */
  remaining: number;
  /** Worker time (ms) after which it admits nothing more. */
  expiresAt: number;
}

/** Leases an isolate holds at most; past it the oldest is forgotten (its spans stay counted). */
const MAX_LEASES = 10_000;
/** A first lease covers this many requests like the one that asked for it. */
const FIRST_LEASE_REQUESTS = 4;

/**
 * The leases one isolate holds, by tenant and key (a key's own caps are leased with it, so spans
 * of one key are never admitted under another's lease), and the unused spans it owes back.
 */
export class LeaseBook {
  private leases = new Map<string, Lease>();
  private owed = new Map<string, number>();
  /** What each id's last retired lease used: the next lease's size follows it. */
  private used = new Map<string, number>();
  /** The limiter call in flight for each id: concurrent requests wait for its lease, not call too. */
  private calls = new Map<string, Promise<unknown>>();

  static id(tenantId: string, keyId: string | null): string {
    return `${tenantId}\u0000${keyId ?? ""}`;
  }

  /** Takes `spans` from a live lease with room for them; false when the limiter must be asked. */
  take(id: string, spans: number, now: number): boolean {
    const lease = this.leases.get(id);
    if (!lease || now >= lease.expiresAt || lease.remaining < spans) return false;
    lease.remaining -= spans;
    return true;
  }

  /** Gives spans back to the live lease `lease` (storage failed); false when it is no longer held. */
  giveBack(id: string, lease: Lease, spans: number, now: number): boolean {
    if (this.leases.get(id) !== lease || now >= lease.expiresAt) return false;
    lease.remaining += spans;
    return true;
  }

  /** Retires the lease under `id` (if any): its unused spans become owed. */
  retire(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    this.leases.delete(id);
    this.used.set(id, lease.granted - lease.remaining);
    if (lease.remaining > 0) this.owed.set(id, (this.owed.get(id) ?? 0) + lease.remaining);
  }

  /** Retires `lease` if it is still the one held under `id` (its window passed). */
  expire(id: string, lease: Lease): void {
    if (this.leases.get(id) === lease) this.retire(id);
  }

  /** The spans owed back under `id`, now handed to the caller to return. */
  takeOwed(id: string): number {
    const spans = this.owed.get(id) ?? 0;
    this.owed.delete(id);
    return spans;
  }

  /** Spans to ask the limiter for beside a request of `spans`: twice what the last lease used. */
  wanted(id: string, spans: number): number {
    const used = this.used.get(id);
    return used === undefined ? spans * FIRST_LEASE_REQUESTS : Math.max(spans * FIRST_LEASE_REQUESTS, used * 2);
  }

  /** Holds a new lease under `id`; one still held is retired first. */
  hold(id: string, spans: number, expiresAt: number): Lease {
    this.retire(id);
    if (this.leases.size >= MAX_LEASES) {
      const oldest = this.leases.keys().next().value;
      if (oldest !== undefined) {
        this.leases.delete(oldest);
        this.used.delete(oldest);
      }
    }
    if (this.used.size > MAX_LEASES) this.used.clear();
    const lease: Lease = { granted: spans, remaining: spans, expiresAt };
    this.leases.set(id, lease);
    return lease;
  }

  /**
   * Runs `call` to the limiter as the only one in flight for `id`. Without this, requests that
   * find the lease spent at the same moment would each ask for a lease, and each lease takes half
   * of what is left: a burst of concurrent asks could hold a tenant's headroom in leases and see
   * its own next request refused.
   */
  async single<T>(id: string, call: () => Promise<T>): Promise<T> {
    const promise = call();
    this.calls.set(id, promise);
    try {
      return await promise;
    } finally {
      if (this.calls.get(id) === promise) this.calls.delete(id);
    }
  }

  /** The call in flight for `id`, to wait for before asking again. */
  inFlight(id: string): Promise<unknown> | undefined {
    return this.calls.get(id);
  }

  current(id: string): Lease | undefined {
    return this.leases.get(id);
  }
}

/** The isolate's leases: module state lives as long as the isolate does. */
export const isolateLeases = new LeaseBook();
