/**
 * Adaptive mode's table for a tenant: its last half hour of minute buckets from every shard,
 * turned into per-operation probabilities (worker/sampling/adaptive.ts). Every sampler of the
 * tenant polls about once a minute, so the table is cached per isolate: shards are asked at most
 * once per TTL per isolate, however many processes poll.
 */
import { MINUTE_MS } from "../metrics/aggregate";
import { adaptiveTable, ADAPTIVE_DEFAULTS, ADAPTIVE_WINDOW_MINUTES, isSteered, type AdaptiveTable } from "../sampling/adaptive";
import type { SamplingSettings } from "../sampling/settings";
import { tenantConfig } from "../storage/tenant-directory";
import { loadBuckets } from "./metrics";

export const ADAPTIVE_CACHE_TTL_MS = 30_000;
const CACHE_MAX = 500;

const cache = new Map<string, { table: Promise<AdaptiveTable>; expiresAt: number }>();

export function tenantAdaptiveTable(env: Env, tenantId: string, settings: SamplingSettings, now = Date.now()): Promise<AdaptiveTable> {
  // The settings are part of the key: a changed target or strategy is served at once.
  const key = `${tenantId}\n${JSON.stringify(settings.adaptive)}\n${JSON.stringify(settings.strategies)}`;
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.table;
  const table = computeAdaptiveTable(env, tenantId, settings, now);
  cache.delete(key);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, { table, expiresAt: now + ADAPTIVE_CACHE_TTL_MS });
  void table.catch(() => cache.delete(key));
  return table;
}

/** Uncached: tests drive `now`. */
export async function computeAdaptiveTable(env: Env, tenantId: string, settings: SamplingSettings, now: number): Promise<AdaptiveTable> {
  const config = await tenantConfig(env.DB, tenantId);
  if (!config) return new Map();
  const from = now - (ADAPTIVE_WINDOW_MINUTES + ADAPTIVE_DEFAULTS.lagMinutes + 1) * MINUTE_MS;
  const { byStart } = await loadBuckets(env, config, from, now, { now });
  return adaptiveTable(byStart, now, (service, operation) => isSteered(settings.strategies, service, operation), { targetTracesPerSecond: settings.adaptive.targetTracesPerSecond });
}
