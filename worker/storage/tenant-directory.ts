/**
 * The tenant directory in D1: each tenant's settings that its storage acts on — how long its
 * traces are kept, and over how many trace shards they are spread. Read on every authenticated
 * request, so cached per isolate like API keys (a change is seen everywhere within the TTL).
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { tenants } from "../db/schema";
import { KEEP_ALL, parseTailPolicy, type TailPolicy } from "../sampling/tail-policy";

export interface TenantConfig {
  tenantId: string;
  /** Days its traces are kept. */
  retentionDays: number;
  /** Every shard count it has had, the current one last (see db/schema.ts). */
  shardCounts: number[];
  /** Its plan's name (worker/limits/plans.ts). */
  plan: string;
  /** Which completed traces its shards store (from its sampling settings). */
  tail: TailPolicy;
}

export const RETENTION_DAYS = { min: 1, max: 90, default: 30 } as const;
export const MAX_SHARDS = 64;

/** Settings changes reach every isolate within this long. */
export const TENANT_CACHE_TTL_MS = 30_000;
const TENANT_CACHE_MAX = 1_000;

const cache = new Map<string, { config: Promise<TenantConfig | null>; expiresAt: number }>();

/** The tenant's settings, or null when it does not exist (or was deleted). */
export function tenantConfig(db: D1Database, tenantId: string, now = Date.now()): Promise<TenantConfig | null> {
  const hit = cache.get(tenantId);
  if (hit && hit.expiresAt > now) return hit.config;
  const config = load(db, tenantId);
  cache.delete(tenantId);
  if (cache.size >= TENANT_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(tenantId, { config, expiresAt: now + TENANT_CACHE_TTL_MS });
  void config.catch(() => cache.delete(tenantId));
  return config;
}

async function load(db: D1Database, tenantId: string): Promise<TenantConfig | null> {
  const rows = await drizzle(db)
    .select({ retentionDays: tenants.retentionDays, shardCounts: tenants.shardCounts, plan: tenants.plan, sampling: tenants.sampling })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .limit(1);
  const row = rows[0];
  return row ? { tenantId, retentionDays: row.retentionDays, shardCounts: parseShardCounts(row.shardCounts), plan: row.plan, tail: tailOf(row.sampling) } : null;
}

/** The tail policy inside the stored sampling settings (validated when saved); keep-all if none. */
export function tailOf(samplingJson: string | null): TailPolicy {
  if (!samplingJson) return KEEP_ALL;
  try {
    const tail = (JSON.parse(samplingJson) as { tail?: unknown }).tail;
    if (tail === undefined) return KEEP_ALL;
    const parsed = parseTailPolicy(tail);
    return "policy" in parsed ? parsed.policy : KEEP_ALL;
  } catch {
    return KEEP_ALL;
  }
}

export function parseShardCounts(json: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = null;
  }
  const counts = Array.isArray(parsed) ? parsed.filter((n): n is number => Number.isInteger(n) && n > 0 && n <= MAX_SHARDS) : [];
  return counts.length > 0 ? counts : [1];
}

/** This isolate sees a change at once (others within the TTL). */
export function forgetTenant(tenantId: string): void {
  cache.delete(tenantId);
}

export async function setRetention(db: D1Database, tenantId: string, days: number): Promise<void> {
  await drizzle(db).update(tenants).set({ retentionDays: days }).where(eq(tenants.id, tenantId));
  forgetTenant(tenantId);
}

/** Spreads the tenant's new traces over `count` shards; traces stored under earlier counts stay findable. */
export async function setShardCount(db: D1Database, config: TenantConfig, count: number): Promise<TenantConfig> {
  const counts = [...config.shardCounts.filter((n) => n !== count), count];
  await drizzle(db).update(tenants).set({ shardCounts: JSON.stringify(counts) }).where(eq(tenants.id, config.tenantId));
  forgetTenant(config.tenantId);
  return { ...config, shardCounts: counts };
}

/** Moves the tenant to another plan; false when it does not exist. This isolate sees it at once. */
export async function setPlan(db: D1Database, tenantId: string, plan: string): Promise<boolean> {
  const rows = await drizzle(db).update(tenants).set({ plan }).where(eq(tenants.id, tenantId)).returning({ id: tenants.id });
  forgetTenant(tenantId);
  return rows.length > 0;
}
