/**
 * The services and operations a tenant has sent spans for: stored blocks (SQL over their JSON
 * columns) plus the traces still being assembled, so a new service shows up as soon as its first
 * spans are acknowledged.
 */
import { listOperations, listServices } from "../storage/block-index";
import { loadPendingBlocks } from "./pending-blocks";
import { KIND_TERMS } from "./terms";

export interface OperationName {
  name: string;
  /** Lower case, as Jaeger names kinds ("server"); "" when unspecified or unknown. */
  spanKind: string;
}

export async function findServices(env: Env, tenantId: string): Promise<string[]> {
  const [stored, pending] = await Promise.all([listServices(env.DB, tenantId), loadPendingBlocks(env, tenantId)]);
  const services = new Set(stored);
  for (const { block } of pending) for (const op of block.operations) services.add(op.service);
  return [...services].sort();
}

/** Operations of `service`, optionally of one span kind (Jaeger's `spanKind` filter). */
export async function findOperations(env: Env, tenantId: string, service: string, spanKind = ""): Promise<OperationName[]> {
  const [stored, pending] = await Promise.all([listOperations(env.DB, tenantId, service), loadPendingBlocks(env, tenantId)]);
  const all = [...stored];
  for (const { block } of pending) for (const op of block.operations) if (op.service === service) all.push(op);
  const seen = new Map<string, OperationName>();
  for (const { name, kind } of all) {
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
