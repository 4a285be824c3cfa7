/**
 * Which trace-shard Durable Object owns a trace. Every span of a trace must meet in one object, so
 * the choice depends only on (tenant, traceId) and the tenant's shard count; a tenant's traces
 * spread over that many objects so a busy tenant is not capped by one object's throughput.
 *
 * A tenant's shard count can change (tenant-directory.ts keeps every count it has had): new spans
 * go to the shard under the current count, and a lookup asks the shard under every count, so a
 * trace stored before the change stays findable — and one that straddles it is read from both.
 */
import type { ShardConfig } from "./shard-protocol";
import type { TenantConfig } from "./tenant-directory";

/** FNV-1a over the tenant and trace id; stable across deploys, which routing requires. */
export function shardOf(tenantId: string, traceId: string, shards: number): number {
  let hash = 0x811c9dc5;
  const key = `${tenantId}/${traceId}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** Object names carry the tenant, so an object only ever holds one tenant's spans. */
export function shardStub(env: Env, tenantId: string, shard: number) {
  return env.TRACE_SHARD.getByName(`${tenantId}/${shard}`);
}

export function currentShardCount(config: TenantConfig): number {
  return config.shardCounts[config.shardCounts.length - 1] ?? 1;
}

/** Where new spans of `traceId` go. */
export function writeShard(config: TenantConfig, traceId: string): number {
  return shardOf(config.tenantId, traceId, currentShardCount(config));
}

/** Every shard that may hold spans of `traceId`: one per shard count the tenant has had. */
export function readShards(config: TenantConfig, traceId: string): number[] {
  return [...new Set(config.shardCounts.map((count) => shardOf(config.tenantId, traceId, count)))];
}

/** What every call to a shard tells it of its tenant. */
export function shardConfig(config: TenantConfig): ShardConfig {
  return { tenantId: config.tenantId, retentionDays: config.retentionDays, shards: currentShardCount(config), tail: config.tail };
}

/** Every shard object the tenant may have written to (searches, usage, deletion ask them all). */
export function allShards(config: TenantConfig): number[] {
  return Array.from({ length: Math.max(...config.shardCounts) }, (_, shard) => shard);
}
