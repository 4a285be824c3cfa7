/**
 * RateLimiter: one object per limiter key (`login:ip:203.0.113.9`, `signup:ip:2001:db8:1:2::/64`,
 * `login:email:ann@x.io:203.0.113.9`, `key:failed:…` …),
 * a sliding window of attempt times. Called by RPC from worker/middleware/rate-limit.ts.
 *
 * The window is kept in memory and mirrored to the object's storage: an object nobody calls is
 * evicted after a minute or two, and without the copy a patient attacker could pace guesses to
 * reset a 15-minute window every couple of minutes. Only sign-up and login attempts and API key
 * misses (lookups of unknown keys) write here,
 * so the writes are few; an alarm deletes the state once the window has passed.
 */
import { DurableObject } from "cloudflare:workers";

export interface LimitDecision {
  allowed: boolean;
  /** Attempts left in the window after this one (0 when refused). */
  remaining: number;
  /** When refused: seconds until the oldest attempt leaves the window. 0 when allowed. */
  retryAfterSeconds: number;
}

interface WindowState {
  windowMs: number;
  /** Attempt times (ms), oldest first; never more than the limit. */
  hits: number[];
}

const STATE_KEY = "window";

export class RateLimiter extends DurableObject<Env> {
  private state: WindowState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The synchronous KV API needs no blockConcurrencyWhile: the constructor finishes with the state loaded.
    this.state = ctx.storage.kv.get<WindowState>(STATE_KEY) ?? { windowMs: 0, hits: [] };
  }

  /** Counts an attempt if the window has room; refuses (and does not count) otherwise. */
  async consume(limit: number, windowMs: number): Promise<LimitDecision> {
    const now = Date.now();
    this.prune(now, windowMs);
    const hits = this.state.hits;
    // A lowered limit applies at once: keep only the newest `limit` attempts.
    if (hits.length > limit) hits.splice(0, hits.length - limit);
    if (hits.length >= limit) {
      const oldest = hits[0] ?? now;
      return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
    }
    hits.push(now);
    await this.save(now);
    return { allowed: true, remaining: limit - hits.length, retryAfterSeconds: 0 };
  }

  /** Takes back the newest attempt: a login that succeeded is not a failed login. */
  async refund(): Promise<void> {
    if (this.state.hits.pop() !== undefined) await this.save(Date.now());
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.prune(now, this.state.windowMs);
    if (this.state.hits.length === 0) {
      await this.ctx.storage.deleteAll();
    } else {
      await this.save(now);
    }
  }

  private prune(now: number, windowMs: number): void {
    this.state.windowMs = windowMs;
    const hits = this.state.hits;
    let expired = 0;
    while (expired < hits.length && (hits[expired] ?? now) <= now - windowMs) expired++;
    if (expired > 0) hits.splice(0, expired);
  }

  private async save(now: number): Promise<void> {
    this.ctx.storage.kv.put(STATE_KEY, this.state);
    const newest = this.state.hits.at(-1);
    // Clean up once the newest attempt has left the window (an alarm write is cheaper than rows kept forever).
    await this.ctx.storage.setAlarm((newest ?? now) + this.state.windowMs);
  }
}
