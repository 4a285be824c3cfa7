/**
 * Forged API keys cost no database read, unknown ones are throttled per client, and neither
 * pushes real keys out of the isolate's cache. The Worker runs here with its D1 binding wrapped in
 * a counter of `api_keys` queries, so a read the checksum or the throttle should have saved fails
 * the test.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { sha256Hex } from "../../worker/accounts/crypto";
import { KEY_FAILURES_PER_MINUTE } from "../../worker/middleware/key-failures";
import { ORIGIN, signUp } from "./helpers";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const randomText = (length: number) => Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => ALPHABET[byte & 63]).join("");

/** The Worker's env with D1 counting the statements that read or write `api_keys`. */
function countingEnv(): { env: Env; keyQueries: () => number } {
  let count = 0;
  const db = new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          if (query.includes('"api_keys"')) count++;
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { env: { ...env, DB: db }, keyQueries: () => count };
}

async function ingest(workerEnv: Env, key: string, ip: string): Promise<number> {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`${ORIGIN}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key, "cf-connecting-ip": ip }, body: "{}" }),
    workerEnv,
    ctx,
  );
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return response.status;
}

describe("forged and unknown API keys", () => {
  it("refuses 5,000 random keys in today's format by their checksum, with no database read", async () => {
    const counted = countingEnv();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 5_000; i++) {
      const status = await ingest(counted.env, `etk_${randomText(49)}`, "203.0.113.50");
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect([...statuses]).toEqual([[401, 5_000]]);
    expect(counted.keyQueries()).toBe(0);
  });

  it("bounds the reads of 5,000 random keys in the pre-checksum format: the client is throttled, real keys keep working", async () => {
    const tenant = await signUp();
    const counted = countingEnv();
    const client = "2001:db8:cc:1::1";
    // The tenant's key is looked up once and cached.
    expect(await ingest(counted.env, tenant.ingestKey, client)).toBe(200);
    const realKeyReads = counted.keyQueries();
    expect(realKeyReads).toBeGreaterThanOrEqual(1);

    const statuses = new Map<number, number>();
    for (let i = 0; i < 5_000; i++) {
      // Every address of the /64 is the same client.
      const status = await ingest(counted.env, `etk_${randomText(43)}`, `2001:db8:cc:1::${(i % 65_535).toString(16)}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    // One read per miss until the client's minute is used up (the miss that finds it used up read
    // too, and is answered 429); after that, 429 without a read.
    expect(statuses.get(401)).toBe(KEY_FAILURES_PER_MINUTE);
    expect(statuses.get(429)).toBe(5_000 - KEY_FAILURES_PER_MINUTE);
    expect(counted.keyQueries() - realKeyReads).toBe(KEY_FAILURES_PER_MINUTE + 1);

    // The flood evicted nothing: the real key answers from the cache, even from the throttled client.
    const before = counted.keyQueries();
    expect(await ingest(counted.env, tenant.ingestKey, client)).toBe(200);
    expect(counted.keyQueries()).toBe(before);
    // Another client is not throttled: its unknown key is looked up and refused with 401.
    expect(await ingest(counted.env, `etk_${randomText(43)}`, "2001:db8:cc:2::1")).toBe(401);
  });

  it("keeps accepting a key made before the checksum", async () => {
    const tenant = await signUp();
    const legacy = `etk_${randomText(43)}`;
    await env.DB.prepare("insert into api_keys (id, tenant_id, name, prefix, key_hash, scopes, created_at) values (?, ?, ?, ?, ?, ?, ?)")
      .bind(`key_legacy${Date.now()}`, tenant.tenantId, "from before", legacy.slice(0, 12), await sha256Hex(legacy), '["ingest"]', Date.now())
      .run();
    const counted = countingEnv();
    expect(await ingest(counted.env, legacy, "203.0.113.51")).toBe(200);
  });
});
