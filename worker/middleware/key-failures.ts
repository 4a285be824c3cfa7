/**
 * Throttles clients that keep presenting API keys the database does not have. A forged key in
 * today's format fails its checksum and costs nothing; a key in the format made before the
 * checksum (or one with a valid checksum but unknown) can only be refused by a D1 read. After
 * KEY_FAILURES_PER_MINUTE such misses in a minute, a client (IPv4 address or IPv6 /64) gets 429
 * for its cold keys, without a read, until the window frees up.
 *
 * The count lives in the RateLimiter Durable Object (only misses call it: a key request that
 * succeeds, or is answered from the isolate's caches, never does); each isolate also remembers a
 * refusal locally, so a refused client costs it neither a read nor a call. Keys already cached
 * keep working for a throttled client: a flood from one address behind a shared NAT does not stop
 * the exporters there whose keys are known.
 */
import { TooManyRequests } from "../errors";
import { consumeAttempt } from "./rate-limit";

/** Misses one client may cause a minute: far above a fleet's few revoked keys (each miss is cached for 30 s). */
export const KEY_FAILURES_PER_MINUTE = 60;
/** Clients remembered as refused per isolate (bounded memory; the limiter object still counts the rest). */
const REFUSED_MAX = 1_000;

class KeyFailureThrottle {
  /** Client → when its refusal ends (ms). */
  private readonly refusedUntil = new Map<string, number>();

  /** Whether this isolate already knows the client is over its limit. */
  refuses(client: string, now = Date.now()): boolean {
    const until = this.refusedUntil.get(client);
    if (until === undefined) return false;
    if (until > now) return true;
    this.refusedUntil.delete(client);
    return false;
  }

  refusal(client: string, now = Date.now()): TooManyRequests {
    const seconds = Math.max(1, Math.ceil(((this.refusedUntil.get(client) ?? now) - now) / 1000));
    return new TooManyRequests(`too many unknown API keys from this client; retry in ${seconds} s`, seconds);
  }

  /** Counts a miss that cost a read; throws 429 (and remembers it) once the client is over its limit. */
  async record(env: Env, client: string, now = Date.now()): Promise<void> {
    try {
      await consumeAttempt(env, `key:failed:${client}`, { limit: KEY_FAILURES_PER_MINUTE, windowSeconds: 60 });
    } catch (error) {
      if (error instanceof TooManyRequests) {
        if (this.refusedUntil.size >= REFUSED_MAX) this.refusedUntil.delete(this.refusedUntil.keys().next().value as string);
        this.refusedUntil.set(client, now + (error.retryAfter ?? 60) * 1000);
        throw this.refusal(client, now);
      }
      throw error;
    }
  }

  /** For tests: forget every refusal. */
  clear(): void {
    this.refusedUntil.clear();
  }
}

export const keyFailures = new KeyFailureThrottle();
