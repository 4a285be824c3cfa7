/**
 * The per-isolate key cache and the `last_used_at` throttle, against a fake D1 that counts
 * queries: the hot ingest path must not touch D1 while a lookup is cached.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { clearKeyCaches, findKey, generateKey, KEY_CACHE_TTL_MS, looksLikeKey, touchKey } from "./api-keys";

/** Rows as drizzle's `.raw()` returns them for `select id, tenantId, name, scopes, revokedAt, spansPerSecond, spansPerDay`. */
type Row = [string, string, string, string, number | null, number | null, number | null];

function fakeD1(rows: Row[]) {
  const statements: string[] = [];
  const db = {
    prepare(sql: string) {
      statements.push(sql);
      const bound = { raw: async () => rows, all: async () => ({ results: [] }), run: async () => ({ meta: {} }) };
      return { bind: () => bound, ...bound };
    },
  };
  return { db: db as unknown as D1Database, statements };
}

beforeEach(() => clearKeyCaches());

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
function randomText(length: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => ALPHABET[byte & 63]).join("");
}

describe("generateKey", () => {
  it("makes etk_ keys of 32 random bytes and a checksum, with a 12-character display prefix", () => {
    const { key, prefix } = generateKey();
    expect(key).toMatch(/^etk_[A-Za-z0-9_-]{49}$/);
    expect(prefix).toBe(key.slice(0, 12));
    expect(looksLikeKey(key)).toBe(true);
    expect(new Set(Array.from({ length: 100 }, () => generateKey().key)).size).toBe(100);
  });
});

describe("findKey", () => {
  const { key } = generateKey();

  it("queries D1 once and then answers from the cache until the TTL passes", async () => {
    const { db, statements } = fakeD1([["key_1", "tnt_1", "ci", '["ingest"]', null, 500, null]]);
    const now = 1_000_000;
    // The key's name and caps come with it: ingest reads them from this same cached lookup.
    expect(await findKey(db, key, now)).toEqual({
      record: { id: "key_1", tenantId: "tnt_1", name: "ci", scopes: ["ingest"], limits: { spansPerSecond: 500, spansPerDay: null } },
      read: true,
    });
    expect((await findKey(db, key, now + 1)).read).toBe(false);
    await findKey(db, key, now + KEY_CACHE_TTL_MS - 1);
    expect(statements).toHaveLength(1);
    await findKey(db, key, now + KEY_CACHE_TTL_MS);
    expect(statements).toHaveLength(2);
  });

  it("shares one query among concurrent lookups of a cold key", async () => {
    const { db, statements } = fakeD1([["key_1", "tnt_1", "ci", '["read"]', null, 500, null]]);
    await Promise.all(Array.from({ length: 10 }, () => findKey(db, key, 5)));
    expect(statements).toHaveLength(1);
  });

  it("caches unknown and revoked keys as absent too", async () => {
    const revoked = fakeD1([["key_1", "tnt_1", "ci", '["ingest"]', 123, 500, null]]);
    expect(await findKey(revoked.db, key, 0)).toEqual({ record: null, read: true });
    expect(await findKey(revoked.db, key, 1)).toEqual({ record: null, read: false });
    expect(revoked.statements).toHaveLength(1);
  });

  it("rejects text that is not shaped like a key without querying", async () => {
    const { db, statements } = fakeD1([]);
    for (const text of ["", "etk_short", `xyz_${"A".repeat(43)}`, `etk_${"A".repeat(42)}!`]) {
      expect(await findKey(db, text)).toEqual({ record: null, read: false });
    }
    expect(statements).toHaveLength(0);
  });

  it("rejects 5,000 random keys in today's format by their checksum, without querying", async () => {
    const { db, statements } = fakeD1([]);
    for (let i = 0; i < 5_000; i++) {
      const forged = `etk_${randomText(49)}`;
      expect((await findKey(db, forged, i)).record).toBeNull();
    }
    expect(statements).toHaveLength(0);
  });

  it("looks a key made before the checksum up in D1, and keeps it working", async () => {
    const { db, statements } = fakeD1([["key_old", "tnt_1", "old", '["ingest"]', null, null, null]]);
    expect((await findKey(db, `etk_${randomText(43)}`, 0)).record?.id).toBe("key_old");
    expect(statements).toHaveLength(1);
  });

  it("does not query when the caller's throttle says no", async () => {
    const { db, statements } = fakeD1([]);
    expect(await findKey(db, `etk_${randomText(43)}`, 0, () => false)).toEqual({ record: null, read: false });
    expect(statements).toHaveLength(0);
  });

  it("keeps a real key cached through a flood of unknown ones", async () => {
    const real = fakeD1([["key_1", "tnt_1", "ci", '["ingest"]', null, null, null]]);
    expect((await findKey(real.db, key, 0)).record?.id).toBe("key_1");
    const unknown = fakeD1([]);
    for (let i = 0; i < 5_000; i++) await findKey(unknown.db, `etk_${randomText(43)}`, 1);
    expect(unknown.statements).toHaveLength(5_000);
    expect(await findKey(real.db, key, 2)).toMatchObject({ record: { id: "key_1" }, read: false });
    expect(real.statements).toHaveLength(1);
  });

  it("does not cache a failed query", async () => {
    let calls = 0;
    const failing = {
      prepare: () => {
        calls++;
        const bound = { raw: async () => Promise.reject(new Error("D1 down")) };
        return { bind: () => bound, ...bound };
      },
    } as unknown as D1Database;
    await expect(findKey(failing, key, 0)).rejects.toThrow(/Failed query/);
    await expect(findKey(failing, key, 1)).rejects.toThrow(/Failed query/);
    expect(calls).toBe(2);
  });
});

describe("touchKey", () => {
  it("writes last_used_at at most once per 5 minutes per key", async () => {
    const { db, statements } = fakeD1([]);
    await touchKey(db, "key_1", 0);
    expect(touchKey(db, "key_1", 60_000)).toBeUndefined();
    expect(touchKey(db, "key_1", 5 * 60_000 - 1)).toBeUndefined();
    await touchKey(db, "key_2", 60_000);
    await touchKey(db, "key_1", 5 * 60_000);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/^update "api_keys" set "last_used_at"/);
  });
});
