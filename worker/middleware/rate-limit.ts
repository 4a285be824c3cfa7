/**
 * Throttling of sign-up and login attempts, per client and per email, through the RateLimiter
 * Durable Object (one object per limiter key). Limits come from [vars] so the test suite, which
 * signs up many tenants from 127.0.0.1, can raise the per-IP one. A client is an IPv4 address or
 * an IPv6 /64 (client-ip.ts).
 *
 * Failed logins count per (email, client) and per client, never per email alone: a limit on the
 * email would let anyone lock its owner out from elsewhere by failing ten times.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { TooManyRequests } from "../errors";
import { clientBucket } from "./client-ip";

export interface Limit {
  limit: number;
  windowSeconds: number;
}

/** Defaults when a var is missing or not a positive integer. */
const DEFAULT_ATTEMPTS_PER_IP_PER_MINUTE = 20;
const DEFAULT_ATTEMPTS_PER_EMAIL = 10;
const DEFAULT_EMAIL_WINDOW_MINUTES = 15;

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/** Sign-up or login attempts one client IP may make a minute (each action counted apart). */
export function ipLimit(env: Env): Limit {
  return { limit: positiveInt(env.AUTH_ATTEMPTS_PER_IP_PER_MINUTE, DEFAULT_ATTEMPTS_PER_IP_PER_MINUTE), windowSeconds: 60 };
}

/** Failed logins for one email from one client (or sign-up attempts for one email) per window. */
export function emailLimit(env: Env): Limit {
  return {
    limit: positiveInt(env.AUTH_ATTEMPTS_PER_EMAIL, DEFAULT_ATTEMPTS_PER_EMAIL),
    windowSeconds: 60 * positiveInt(env.AUTH_EMAIL_WINDOW_MINUTES, DEFAULT_EMAIL_WINDOW_MINUTES),
  };
}

/**
 * Failed logins one client may make per window, whatever the emails: five minutes' worth of its
 * per-minute attempts, so a client cannot spread guesses over many accounts without bound either.
 */
export function clientFailureLimit(env: Env): Limit {
  return { limit: 5 * ipLimit(env).limit, windowSeconds: emailLimit(env).windowSeconds };
}

/**
 * The client a request counts against. Cloudflare sets CF-Connecting-IP at the edge (clients
 * cannot forge it there); "local" under tests without it.
 */
export function clientIp(c: Context): string {
  return clientBucket(c.req.header("cf-connecting-ip") ?? "local");
}

/**
 * Counts one attempt against `key`; throws 429 (with Retry-After) when the window is full.
 * Returns a function that takes the attempt back (a login that succeeded).
 */
export async function consumeAttempt(env: Env, key: string, { limit, windowSeconds }: Limit): Promise<() => Promise<void>> {
  const limiter = env.RATE_LIMITER.getByName(key);
  let decision;
  try {
    decision = await limiter.consume(limit, windowSeconds * 1000);
  } catch (error) {
    // Fail open: a limiter outage must not lock everyone out; PBKDF2 still makes guessing slow.
    console.error(`rate limiter ${key} unavailable`, error);
    return async () => {};
  }
  if (!decision.allowed) {
    throw new TooManyRequests(`too many attempts; retry in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
  }
  return async () => {
    try {
      await limiter.refund();
    } catch (error) {
      console.error(`rate limiter ${key}: refund failed`, error);
    }
  };
}

/** Middleware: throttles `action` (e.g. "login") per client IP, before any body is read or password hashed. */
export function limitPerIp(action: string) {
  return createMiddleware<{ Bindings: Env }>(async function limitPerIp(c, next) {
    await consumeAttempt(c.env, `${action}:ip:${clientIp(c)}`, ipLimit(c.env));
    await next();
  });
}
