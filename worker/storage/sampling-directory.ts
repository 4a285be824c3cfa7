/**
 * The tenants' sampling settings and sampling ids in D1. A sampling id names a tenant in the
 * remote-sampling URL that stock samplers poll without credentials (`/t/{samplingId}/sampling`):
 * 128 random bits, made the first time the tenant asks for its endpoint, replaced on rotation.
 * It resolves to the tenant's sampling settings and nothing else.
 *
 * Samplers poll about once a minute per process, so lookups by id are cached per isolate like the
 * tenant directory: a change (or a rotation) is seen everywhere within the TTL.
 */
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { randomBytes, toBase64Url } from "../accounts/crypto";
import { tenants } from "../db/schema";
import { readSettings, type SamplingSettings } from "../sampling/settings";
import { forgetTenant } from "./tenant-directory";

export const SAMPLING_CACHE_TTL_MS = 30_000;
const CACHE_MAX = 1_000;

/** 16 bytes as base64url: 22 characters. */
const SAMPLING_ID = /^[A-Za-z0-9_-]{22}$/;

export interface SamplingRecord {
  tenantId: string;
  settings: SamplingSettings;
}

const byId = new Map<string, { record: Promise<SamplingRecord | null>; expiresAt: number }>();

export function newSamplingId(): string {
  return toBase64Url(randomBytes(16));
}

/** The tenant a sampling id names, with its settings; null for an unknown (or rotated) id. */
export function samplingById(db: D1Database, samplingId: string, now = Date.now()): Promise<SamplingRecord | null> {
  // Anything not shaped like an id is unknown without asking D1.
  if (!SAMPLING_ID.test(samplingId)) return Promise.resolve(null);
  const hit = byId.get(samplingId);
  if (hit && hit.expiresAt > now) return hit.record;
  const record = drizzle(db)
    .select({ tenantId: tenants.id, sampling: tenants.sampling })
    .from(tenants)
    .where(eq(tenants.samplingId, samplingId))
    .limit(1)
    .then((rows) => (rows[0] ? { tenantId: rows[0].tenantId, settings: readSettings(rows[0].sampling) } : null));
  byId.delete(samplingId);
  if (byId.size >= CACHE_MAX) byId.delete(byId.keys().next().value as string);
  byId.set(samplingId, { record, expiresAt: now + SAMPLING_CACHE_TTL_MS });
  void record.catch(() => byId.delete(samplingId));
  return record;
}

/** The tenant's sampling id (made now if it has none) and settings. */
export async function tenantSampling(db: D1Database, tenantId: string): Promise<{ samplingId: string; settings: SamplingSettings }> {
  const orm = drizzle(db);
  const read = async () => (await orm.select({ samplingId: tenants.samplingId, sampling: tenants.sampling }).from(tenants).where(eq(tenants.id, tenantId)).limit(1))[0];
  let row = await read();
  if (!row) throw new Error(`tenant ${tenantId} has no directory row`);
  if (!row.samplingId) {
    // Two first requests may race: only the first write lands (the id is set where it is still
    // null), and both answer what was stored.
    await orm.update(tenants).set({ samplingId: newSamplingId() }).where(and(eq(tenants.id, tenantId), isNull(tenants.samplingId)));
    row = await read();
  }
  if (!row?.samplingId) throw new Error(`tenant ${tenantId}: no sampling id after creating one`);
  return { samplingId: row.samplingId, settings: readSettings(row.sampling) };
}

/** Stores the settings; this isolate sees them at once (tail policy included), others within the TTL. */
export async function saveSampling(db: D1Database, tenantId: string, samplingId: string, settings: SamplingSettings): Promise<void> {
  await drizzle(db).update(tenants).set({ sampling: JSON.stringify(settings) }).where(eq(tenants.id, tenantId));
  byId.delete(samplingId);
  forgetTenant(tenantId);
}

/** A new sampling id; the old one stops resolving (here at once, elsewhere within the TTL). */
export async function rotateSamplingId(db: D1Database, tenantId: string, previous: string): Promise<string> {
  const next = newSamplingId();
  await drizzle(db).update(tenants).set({ samplingId: next }).where(eq(tenants.id, tenantId));
  byId.delete(previous);
  return next;
}
