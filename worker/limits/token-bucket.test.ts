import { describe, expect, it } from "vitest";
import { fullBucket, refill, secondsUntil, take } from "./token-bucket";

describe("token bucket", () => {
  it("lets a burst through at once, then the sustained rate", () => {
    const bucket = fullBucket(200, 0);
    expect(secondsUntil(bucket, 200, 100, 200)).toBe(0);
    take(bucket, 200);
    expect(secondsUntil(bucket, 50, 100, 200)).toBe(1);
    refill(bucket, 500, 100, 200);
    expect(bucket.tokens).toBeCloseTo(50);
    expect(secondsUntil(bucket, 50, 100, 200)).toBe(0);
  });

  it("never holds more than its size however long it was idle", () => {
    const bucket = fullBucket(200, 0);
    take(bucket, 10);
    refill(bucket, 3_600_000, 100, 200);
    expect(bucket.tokens).toBe(200);
  });

  it("says how many whole seconds a refused request must wait", () => {
    const bucket = fullBucket(100, 0);
    take(bucket, 100);
    expect(secondsUntil(bucket, 100, 30, 100)).toBe(4);
  });

  it("passes a request larger than the bucket only when full, and its debt is waited out", () => {
    const bucket = fullBucket(100, 0);
    expect(secondsUntil(bucket, 512, 10, 100)).toBe(0);
    take(bucket, 512);
    expect(bucket.tokens).toBe(-412);
    // Full again only after the debt and a whole bucket flowed in: 51.2 s at 10/s.
    expect(secondsUntil(bucket, 512, 10, 100)).toBe(52);
    refill(bucket, 51_200, 10, 100);
    expect(secondsUntil(bucket, 512, 10, 100)).toBe(0);
  });

  it("ignores a clock that steps back", () => {
    const bucket = fullBucket(100, 1_000);
    take(bucket, 100);
    refill(bucket, 500, 10, 100);
    expect(bucket.tokens).toBe(0);
    expect(bucket.at).toBe(1_000);
  });
});
