/**
 * The services and operations a tenant has unexpired spans for: each shard's catalogue plus its
 * open traces (so a new service shows up as soon as its first spans are acknowledged), one call
 * per shard, in parallel.
 */
import { allShards, shardConfig, shardStub } from "../storage/shard-routing";
import type { TenantConfig } from "../storage/tenant-directory";
import { KIND_TERMS } from "../trace-index/terms";

export interface OperationName {
  name: string;
  /** Lower case, as Jaeger names kinds ("server"); "" when unspecified or unknown. */
  spanKind: string;
}

async function allOperations(env: Env, config: TenantConfig): Promise<Array<[string, string, number]>> {
  const catalogs = await Promise.all(allShards(config).map((shard) => shardStub(env, config.tenantId, shard).catalog(shardConfig(config))));
  return catalogs.flatMap((c) => c.operations as Array<[string, string, number]>);
}

export async function findServices(env: Env, config: TenantConfig): Promise<string[]> {
  const services = new Set((await allOperations(env, config)).map(([service]) => service));
  return [...services].sort(compare);
}

/** Operations of `service`, optionally of one span kind (Jaeger's `spanKind` filter). */
export async function findOperations(env: Env, config: TenantConfig, service: string, spanKind = ""): Promise<OperationName[]> {
  const seen = new Map<string, OperationName>();
  for (const [opService, name, kind] of await allOperations(env, config)) {
    if (opService !== service) continue;
    const kindName = kindNameOf(kind);
    if (spanKind && kindName !== spanKind.toLowerCase()) continue;
    seen.set(`${name}\t${kindName}`, { name, spanKind: kindName });
  }
  // Code-point order, as `services` is sorted: stable whatever the runtime's locale.
  return [...seen.values()].sort((a, b) => compare(a.name, b.name) || compare(a.spanKind, b.spanKind));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function kindNameOf(kind: number): string {
  const name = KIND_TERMS[kind as 0];
  return name === undefined || name === "unspecified" ? "" : name;
}
