/**
 * Which services call which, as the broken-propagation detector needs to know it: a span with no
 * parent is only suspicious in a service that others are known to call. Built from the same call
 * edges the service map shows (worker/metrics/aggregate.ts) — the tenant's merged buckets at query
 * time, a trace shard's recent ones at flush — so it costs no storage of its own.
 */
import type { NodeType } from "../model/service-graph";

export interface CallEdge {
  parent: string;
  child: string;
  childType: NodeType;
  async: boolean;
  calls: number;
}

export class CallGraph {
  /** callee → caller → calls, for calls both of whose sides were in one trace (context carried). */
  private readonly carried = new Map<string, Map<string, number>>();
  /** callee → caller → calls, for CLIENT spans nobody answered that name an instrumented service. */
  private readonly named = new Map<string, Map<string, number>>();
  /** caller → calls to other services that carried its context. */
  private readonly carriedFrom = new Map<string, number>();
  private readonly services: ReadonlySet<string>;

  /** `services`: the services that export spans (so a peer name can be recognised as one of them). */
  constructor(edges: Iterable<CallEdge>, services: Iterable<string>) {
    this.services = new Set(services);
    for (const edge of edges) {
      if (edge.parent === edge.child || edge.calls <= 0) continue;
      if (edge.childType === "service") {
        add(this.carried, edge.child, edge.parent, edge.calls);
        this.carriedFrom.set(edge.parent, (this.carriedFrom.get(edge.parent) ?? 0) + edge.calls);
      } else if (edge.childType === "remote") {
        const callee = this.serviceNamed(edge.child);
        if (callee && callee !== edge.parent) add(this.named, callee, edge.parent, edge.calls);
      }
    }
  }

  isService(name: string): boolean {
    return this.services.has(name);
  }

  /**
   * The instrumented service a peer name means, if any: the name itself, or its first DNS label
   * ("ledger.prod.svc.cluster.local" → "ledger") — how services are usually addressed in a cluster.
   */
  serviceNamed(name: string | undefined): string | null {
    if (!name) return null;
    if (this.services.has(name)) return name;
    const label = name.split(/[.:]/)[0];
    return label && this.services.has(label) ? label : null;
  }

  /** Whether any other service is known to call `service`, with its context or without. */
  isCalled(service: string): boolean {
    return this.carried.has(service) || this.named.has(service);
  }

  /** Its callers, most calls first, whichever way they were seen. */
  callers(service: string): Array<{ service: string; calls: number }> {
    const all = new Map<string, number>();
    for (const source of [this.carried, this.named]) for (const [caller, n] of source.get(service) ?? []) all.set(caller, (all.get(caller) ?? 0) + n);
    return [...all].map(([caller, calls]) => ({ service: caller, calls })).sort((a, b) => b.calls - a.calls || (a.service < b.service ? -1 : 1));
  }

  /** Calls from `parent` to `child` that carried the context, and those that named it only. */
  calls(parent: string, child: string): { carried: number; named: number } {
    return { carried: this.carried.get(child)?.get(parent) ?? 0, named: this.named.get(child)?.get(parent) ?? 0 };
  }

  /** Calls into `service` whose context it continued, by caller. */
  carriedInto(service: string): Array<{ service: string; calls: number }> {
    return [...(this.carried.get(service) ?? [])].map(([caller, calls]) => ({ service: caller, calls })).sort((a, b) => b.calls - a.calls);
  }

  /** Calls from `service` to other services that carried its context. */
  carriedOutOf(service: string): number {
    return this.carriedFrom.get(service) ?? 0;
  }
}

function add(into: Map<string, Map<string, number>>, callee: string, caller: string, calls: number): void {
  let callers = into.get(callee);
  if (!callers) into.set(callee, (callers = new Map()));
  callers.set(caller, (callers.get(caller) ?? 0) + calls);
}
