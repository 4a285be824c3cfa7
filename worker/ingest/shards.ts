/**
 * Which trace-assembly Durable Object owns a trace. Every span of a trace must meet in one object,
 * so the choice depends only on (tenant, traceId); a tenant's traces spread over TRACE_SHARDS
 * objects so one hot tenant is not capped by a single object's throughput.
 */

export function shardCount(env: Env): number {
  const n = Number(env.TRACE_SHARDS);
  return Number.isInteger(n) && n > 0 ? n : 2;
}

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
export function traceShard(env: Env, tenantId: string, shard: number) {
  return env.TRACE_SHARD.getByName(`${tenantId}/${shard}`);
}

export function traceShardFor(env: Env, tenantId: string, traceId: string) {
  return traceShard(env, tenantId, shardOf(tenantId, traceId, shardCount(env)));
}
