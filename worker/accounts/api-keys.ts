/**
 * API keys: `etk_` + 32 random bytes in base64url (256 bits) + a checksum (key-format.ts). Only
 * the SHA-256 of a key and a short display prefix are stored; the key itself is shown once, when
 * created.
 *
 * Lookups run on every ingest request, so they are cached per isolate (see `findKey`).
 */
import { and, asc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { apiKeys } from "../db/schema";
import { newId, sha256Hex } from "./crypto";
import { KEY_PREFIX, keyShape, newKeySecret } from "./key-format";

export const SCOPES = ["ingest", "read"] as const;
export type Scope = (typeof SCOPES)[number];

export { KEY_PREFIX };
/** The name of the ingest key every new account starts with. */
export const DEFAULT_INGEST_KEY_NAME = "Default ingest key";
/** Enough to tell keys apart in a list, far too little to guess the rest (4 + 8 chars = 48 bits shown). */
const DISPLAY_PREFIX_LENGTH = 12;

/** Revocation must bite everywhere within 60 s; entries live at most half that. */
export const KEY_CACHE_TTL_MS = 30_000;
/** Keys found, per isolate: bounded memory; only real keys enter, so a flood cannot evict them. */
const KEY_CACHE_MAX = 1_000;
/** Keys not found (unknown or revoked), per isolate: their own bound, so misses only evict misses. */
const MISS_CACHE_MAX = 1_000;
/** `last_used_at` is a hint for humans ("used 3 min ago"); rows written are billed, so write rarely. */
const TOUCH_INTERVAL_MS = 5 * 60_000;

/** Caps a key's owner set to protect their budget (worker/limits/); null: none. */
export interface KeyLimits {
  spansPerSecond: number | null;
  spansPerDay: number | null;
}

export const NO_LIMITS: KeyLimits = Object.freeze({ spansPerSecond: null, spansPerDay: null });

export interface KeyRecord {
  id: string;
  tenantId: string;
  /** For limit messages ("key 'ci' daily cap …"). */
  name: string;
  scopes: readonly Scope[];
  /** Read with the key, so the hot ingest path gets its caps from the same cached lookup. */
  limits: KeyLimits;
}

export interface KeyListing {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  limits: KeyLimits;
}

export function generateKey(): { key: string; prefix: string } {
  const key = newKeySecret();
  return { key, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** True when the text may be one of our keys: anything else is rejected without a lookup. */
export function looksLikeKey(text: string): boolean {
  return keyShape(text) !== "invalid";
}

export function parseScopes(json: string): Scope[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((s): s is Scope => (SCOPES as readonly unknown[]).includes(s)) : [];
}

/** A new key's row (insert it with `insertKey`, or in a batch) and the secret to show once. */
export async function newKeyRow(tenantId: string, name: string, scopes: readonly Scope[], now = Date.now(), limits: KeyLimits = NO_LIMITS, createdBy: string | null = null) {
  const { key, prefix } = generateKey();
  const row = {
    id: newId("key"),
    tenantId,
    name,
    prefix,
    keyHash: await sha256Hex(key),
    scopes: JSON.stringify(scopes),
    createdAt: now,
    spansPerSecond: limits.spansPerSecond,
    spansPerDay: limits.spansPerDay,
    createdBy,
  } satisfies typeof apiKeys.$inferInsert;
  return { row, key };
}

export async function createKey(db: D1Database, tenantId: string, name: string, scopes: readonly Scope[], limits: KeyLimits = NO_LIMITS, createdBy: string | null = null) {
  const { row, key } = await newKeyRow(tenantId, name, scopes, Date.now(), limits, createdBy);
  await drizzle(db).insert(apiKeys).values(row);
  return { id: row.id, name, prefix: row.prefix, scopes: [...scopes], createdAt: row.createdAt, limits: { ...limits }, key };
}

/**
 * Changes some of a key's caps (a null removes one). Returns the key's listing, or null when the
 * tenant has no such key. This isolate applies the change at once; others within KEY_CACHE_TTL_MS.
 */
export async function updateKeyLimits(db: D1Database, tenantId: string, keyId: string, change: Partial<KeyLimits>): Promise<KeyListing | null> {
  const set: Partial<KeyLimits> = {};
  if (change.spansPerSecond !== undefined) set.spansPerSecond = change.spansPerSecond;
  if (change.spansPerDay !== undefined) set.spansPerDay = change.spansPerDay;
  const where = and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId));
  const rows =
    Object.keys(set).length > 0
      ? await drizzle(db).update(apiKeys).set(set).where(where).returning()
      : await drizzle(db).select().from(apiKeys).where(where).limit(1);
  const row = rows[0];
  if (!row) return null;
  forgetKeyHash(row.keyHash);
  return listingOf(row);
}

function listingOf(row: typeof apiKeys.$inferSelect): KeyListing {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseScopes(row.scopes),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    limits: { spansPerSecond: row.spansPerSecond, spansPerDay: row.spansPerDay },
  };
}

/** The tenant's keys; with `createdBy`, only those that user created (what a member sees). */
export async function listKeys(db: D1Database, tenantId: string, createdBy?: string): Promise<KeyListing[]> {
  const rows = await drizzle(db)
    .select()
    .from(apiKeys)
    .where(createdBy === undefined ? eq(apiKeys.tenantId, tenantId) : and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.createdBy, createdBy)))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
  return rows.map(listingOf);
}

/**
 * Revokes a key of this tenant. Returns false when the tenant has no such key (another tenant's
 * key is exactly as absent). Revoking twice keeps the first revocation time.
 */
export async function revokeKey(db: D1Database, tenantId: string, keyId: string, now = Date.now()): Promise<boolean> {
  const rows = await drizzle(db)
    .update(apiKeys)
    // One statement, idempotent: a second revocation matches the row but keeps the first time.
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now})` })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId)))
    .returning({ keyHash: apiKeys.keyHash });
  const revoked = rows[0];
  // This isolate stops accepting the key at once; other isolates within KEY_CACHE_TTL_MS.
  if (revoked) forgetKeyHash(revoked.keyHash);
  return revoked !== undefined;
}

/** Who created a key of this tenant: undefined when the tenant has no such key, null when made at sign-up. */
export async function keyCreator(db: D1Database, tenantId: string, keyId: string): Promise<string | null | undefined> {
  const rows = await drizzle(db)
    .select({ createdBy: apiKeys.createdBy })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId)))
    .limit(1);
  return rows[0]?.createdBy;
}

interface CacheEntry {
  record: KeyRecord | null;
  expiresAt: number;
}

/** Per isolate: key hash → active key. */
const keyCache = new Map<string, CacheEntry>();
/** Per isolate: key hash → null for a key the database does not have, or has revoked (negative caching). */
const missCache = new Map<string, CacheEntry>();
/** Lookups in flight, so concurrent requests with one cold key share one D1 query. */
const inFlight = new Map<string, Promise<KeyRecord | null>>();
/** Per isolate: key id → when this isolate last wrote its `last_used_at`. */
const touchedAt = new Map<string, number>();

export interface KeyCheck {
  record: KeyRecord | null;
  /** This request's answer came from a database read (a cold key), not from the format or a cache. */
  read: boolean;
}

/**
 * The active key with this secret, or null. Refused unread when it is not in our format or its
 * checksum is wrong; otherwise cached per isolate for KEY_CACHE_TTL_MS, so the hot ingest path
 * costs one SHA-256 and a Map lookup, no D1 query. `mayRead` is asked before a cold key is looked
 * up (the caller's throttle of clients that keep presenting unknown keys); when it says no, the
 * answer is null without a read.
 */
export async function findKey(db: D1Database, key: string, now = Date.now(), mayRead: () => boolean = () => true): Promise<KeyCheck> {
  if (!looksLikeKey(key)) return { record: null, read: false };
  const keyHash = await sha256Hex(key);
  for (const cache of [keyCache, missCache]) {
    const cached = cache.get(keyHash);
    if (cached && cached.expiresAt > now) return { record: cached.record, read: false };
    if (cached) cache.delete(keyHash);
  }
  const pending = inFlight.get(keyHash);
  if (pending) return { record: await pending, read: false };
  if (!mayRead()) return { record: null, read: false };

  const record = lookup(db, keyHash);
  inFlight.set(keyHash, record);
  try {
    const found = await record;
    // A failed query is not cached (it throws past this): the next request tries again.
    remember(found ? keyCache : missCache, keyHash, { record: found, expiresAt: now + KEY_CACHE_TTL_MS }, found ? KEY_CACHE_MAX : MISS_CACHE_MAX);
    return { record: found, read: true };
  } finally {
    inFlight.delete(keyHash);
  }
}

function forgetKeyHash(keyHash: string): void {
  keyCache.delete(keyHash);
  missCache.delete(keyHash);
}

async function lookup(db: D1Database, keyHash: string): Promise<KeyRecord | null> {
  const rows = await drizzle(db)
    .select({
      id: apiKeys.id,
      tenantId: apiKeys.tenantId,
      name: apiKeys.name,
      scopes: apiKeys.scopes,
      revokedAt: apiKeys.revokedAt,
      spansPerSecond: apiKeys.spansPerSecond,
      spansPerDay: apiKeys.spansPerDay,
    })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  const row = rows[0];
  if (!row || row.revokedAt !== null) return null;
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    scopes: parseScopes(row.scopes),
    limits: { spansPerSecond: row.spansPerSecond, spansPerDay: row.spansPerDay },
  };
}

/**
 * Records that a key was used, at most once per TOUCH_INTERVAL_MS per key per isolate. Returns the
 * write to hand to `waitUntil`, or undefined when no write is due. The WHERE clause also skips
 * the write when another isolate recorded a use recently.
 */
export function touchKey(db: D1Database, keyId: string, now = Date.now()): Promise<unknown> | undefined {
  const last = touchedAt.get(keyId);
  if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return undefined;
  remember(touchedAt, keyId, now, KEY_CACHE_MAX);
  return drizzle(db)
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - TOUCH_INTERVAL_MS))))
    .run()
    .catch((error: unknown) => console.error("api key: could not record last use", error));
}

/** Map insertion order is age order: dropping the first entry evicts the oldest. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}

/** Forgets every cached key of a tenant (its account was deleted): this isolate refuses them at once. */
export async function forgetTenantKeys(tenantId: string): Promise<void> {
  for (const [hash, entry] of keyCache) {
    if (entry.record?.tenantId === tenantId) keyCache.delete(hash);
  }
}

/** For unit tests: forget everything this isolate cached. */
export function clearKeyCaches(): void {
  keyCache.clear();
  missCache.clear();
  touchedAt.clear();
}
