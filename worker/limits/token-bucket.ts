/**
 * A token bucket by elapsed time: `rate` tokens a second flow in up to `size`. Nothing ticks — a
 * bucket is refilled when it is asked, from the time since it was last asked — so an idle tenant
 * costs no work at all.
 *
 * A request larger than the bucket would never fit; instead it passes when the bucket is full and
 * leaves the bucket in debt (negative), which the following requests wait out. The average rate
 * still holds, and no batch size is refused forever.
 */

export interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export function fullBucket(size: number, now: number): Bucket {
  return { tokens: size, at: now };
}

export function refill(bucket: Bucket, now: number, rate: number, size: number): void {
  const elapsedSeconds = Math.max(0, now - bucket.at) / 1000;
  bucket.tokens = Math.min(size, bucket.tokens + elapsedSeconds * rate);
  bucket.at = Math.max(bucket.at, now);
}

/** Whole seconds until `spans` may pass (0: now). Call after `refill`. */
export function secondsUntil(bucket: Bucket, spans: number, rate: number, size: number): number {
  const needed = Math.min(spans, size) - bucket.tokens;
  // A float a hair short of a whole token is a full bucket; don't make a client wait a second for it.
  if (needed <= 1e-9) return 0;
  return Math.max(1, Math.ceil(needed / rate));
}

export function take(bucket: Bucket, spans: number): void {
  bucket.tokens -= spans;
}
