/**
 * Leases inside workerd: the OTLP route's admission (worker/limits/admit.ts) with leases switched
 * on, against the tenant's real IngestLimiter whose clock stands still — so no bucket refills
 * while a test runs and every bound is exact. Two LeaseBooks play two Worker isolates.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IngestLimiter } from "../../durable-objects/ingest-limiter";
import { TooManyRequests } from "../../worker/errors";
import { admitIngest } from "../../worker/limits/admit";
import { LeaseBook } from "../../worker/limits/lease";
import { limiterStub } from "../../worker/limits/protocol";
import type { Principal } from "../../worker/middleware/auth";
import type { TenantConfig } from "../../worker/storage/tenant-directory";
import { signUp, TestClock, FUTURE } from "./helpers";

const LEASE_MS = 50;
const leasing = { ...env, INGEST_LEASE_MS: String(LEASE_MS) } as Env;

/** Collects what admission leaves running after the answer (the lease's return timer). */
class Background {
  promises: Promise<unknown>[] = [];
  waitUntil(promise: Promise<unknown>): void {
    this.promises.push(promise);
  }
  settled(): Promise<unknown> {
    return Promise.all(this.promises);
  }
}

const noKey: Principal = { kind: "session", userId: "usr_test" };
const keyed = (spansPerDay: number | null): Principal => ({ kind: "key", keyId: "key_lease", keyName: "ci", scopes: ["ingest"], limits: { spansPerSecond: null, spansPerDay } });

async function tenantOn(plan: string): Promise<TenantConfig> {
  const tenant = await signUp();
  const config = { tenantId: tenant.tenantId, plan } as TenantConfig;
  // The limiter's clock stands still: its buckets hold exactly what the test gives them.
  const clock = new TestClock(FUTURE);
  await runInDurableObject(limiterStub(env, tenant.tenantId), (instance: IngestLimiter) => {
    instance.clock = () => clock.now;
  });
  return config;
}

const report = (config: TenantConfig) => limiterStub(env, config.tenantId).report();
const spans = (n: number) => ({ spans: n, bytes: n * 500, invalidSpans: 0 });

async function admitted(config: TenantConfig, book: LeaseBook, background: Background, n: number, principal: Principal = noKey): Promise<boolean> {
  try {
    await admitIngest(leasing, background, config, principal, spans(n), book);
    return true;
  } catch (error) {
    if (error instanceof TooManyRequests) return false;
    throw error;
  }
}

describe("ingest leases", () => {
  it("admits a run of requests with one limiter call, and returns the unused spans when the window has passed", async () => {
    const config = await tenantOn("test-rate-large");
    const book = new LeaseBook();
    const background = new Background();
    for (let i = 0; i < 6; i++) expect(await admitted(config, book, background, 10)).toBe(true);
    const during = await report(config);
    expect(during.requests).toBe(2); // the first call leased 40 spans, the next four requests' worth; the sixth asked again
    expect(during.monthSpans).toBeGreaterThan(60); // the new lease is counted before it is used

    await background.settled(); // the return timers ran
    const after = await report(config);
    expect(after.monthSpans).toBe(60); // exactly what was admitted
    expect(after.requests).toBe(3); // and the return was one more call
  });

  it("never lets two isolates together pass the tenant's burst, however they lease", async () => {
    // test-rate: 100 spans/s, a burst of 200; the limiter's clock stands still, so 200 is all there is.
    const config = await tenantOn("test-rate");
    const isolates = [new LeaseBook(), new LeaseBook()];
    const background = new Background();
    let total = 0;
    for (let i = 0; i < 60; i++) {
      if (await admitted(config, isolates[i % 2] as LeaseBook, background, 5)) total += 5;
    }
    expect(total).toBeLessThanOrEqual(200);
    expect(total).toBeGreaterThanOrEqual(150); // leases never strand more than what the halves leave
    await background.settled();
    expect((await report(config)).monthSpans).toBe(total);
  });

  it("asks once for requests that find the lease spent at the same moment, and refuses none of them under the limit", async () => {
    // test-rate: a burst of 200. Eight concurrent 20-span requests, 160 spans: each alone asking
    // would lease half of what is left, and the later ones would find nothing left.
    const config = await tenantOn("test-rate");
    const book = new LeaseBook();
    const background = new Background();
    const answers = await Promise.all(Array.from({ length: 8 }, () => admitted(config, book, background, 20)));
    expect(answers.every(Boolean)).toBe(true);
    expect((await report(config)).requests).toBeLessThan(8);
    await background.settled();
    expect((await report(config)).monthSpans).toBe(160);
  });

  it("leases no more than half of a key's remaining daily cap, and refuses past the cap", async () => {
    const config = await tenantOn("test-rate-large");
    const book = new LeaseBook();
    const background = new Background();
    const principal = keyed(100);
    expect(await admitted(config, book, background, 10, principal)).toBe(true);
    const first = book.current(LeaseBook.id(config.tenantId, "key_lease"));
    expect(first?.granted).toBe(40); // asked 4 requests' worth; (100 - 10) / 2 = 45 allowed
    let total = 10;
    for (let i = 0; i < 20; i++) if (await admitted(config, book, background, 10, principal)) total += 10;
    expect(total).toBe(100);
    await background.settled();
    const counted = await report(config);
    expect(counted.keys.find((k) => k.id === "key_lease")?.daySpans).toBe(100);
  });

  it("asks the limiter for every request when leases are off, as the worker tests' own config has them", async () => {
    const config = await tenantOn("test-rate-large");
    const background = new Background();
    for (let i = 0; i < 3; i++) await admitIngest(env, background, config, noKey, spans(10), new LeaseBook());
    expect((await report(config)).requests).toBe(3);
    expect(background.promises).toEqual([]);
  });

  it("gives a failed request's spans back to the lease it came from", async () => {
    const config = await tenantOn("test-rate-large");
    const book = new LeaseBook();
    const background = new Background();
    await admitIngest(leasing, background, config, noKey, spans(10), book);
    const refund = await admitIngest(leasing, background, config, noKey, spans(10), book);
    const lease = book.current(LeaseBook.id(config.tenantId, null));
    expect(lease?.remaining).toBe(30);
    await refund();
    expect(lease?.remaining).toBe(40);
    await background.settled();
    expect((await report(config)).monthSpans).toBe(10);
  });
});
