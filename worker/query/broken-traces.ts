/**
 * Broken propagation over a tenant's recent traffic, and for one trace.
 *
 * Where the analysis lives, and why: a trace's own signs (orphans, a root in a called service, a
 * call nobody answered — worker/propagation/signs.ts) are found by its shard as it flushes, from
 * span facts the flush holds anyway, and kept only for traces that show one (nothing for a healthy
 * trace). Tying a fragment to the request it belongs to needs traces from every shard and the
 * tenant's whole call graph, which no shard has: that happens here, at query time, over the
 * records of the window and the metric buckets of the same window — a few small RPCs, no R2 reads.
 *
 * `findBrokenTraces(env, tenant, params)` is the one entry point for the route and for an MCP tool
 * (`find_broken_traces {lookback?}`).
 */
import { Aggregate, parseEdgeKey, parseOperationKey } from "../metrics/aggregate";
import { CallGraph } from "../propagation/call-graph";
import type { BrokenTraces, TracePropagation } from "../propagation/answers";
import { findBreaks } from "../propagation/detect";
import { traceSigns, type TraceSigns } from "../propagation/signs";
import { graphSpansOf } from "../propagation/trace-spans";
import { allShards, shardConfig, shardStub } from "../storage/shard-routing";
import type { TenantConfig } from "../storage/tenant-directory";
import { loadTotal } from "./metrics";
import { readTrace } from "./read-trace";

/** Signs are kept 25 h (durable-objects/shard/propagation-store.ts): a day is the longest look back. */
export const MAX_LOOKBACK_MS = 24 * 3_600_000;
export const DEFAULT_LOOKBACK_MS = 3_600_000;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1_000;
/** How far around a trace its fragments and its callers' records are looked for. */
const AROUND_TRACE_MS = 10 * 60_000;

export interface BrokenTracesParams {
  /** How far back from `endMs` (default now). */
  lookbackMs?: number;
  endMs?: number;
  /** Only findings that name this service as the suspect. */
  service?: string;
  limit?: number;
}

export async function findBrokenTraces(env: Env, tenant: TenantConfig, params: BrokenTracesParams = {}): Promise<BrokenTraces> {
  const end = params.endMs ?? Date.now();
  const start = end - Math.min(params.lookbackMs ?? DEFAULT_LOOKBACK_MS, MAX_LOOKBACK_MS);
  const limit = Math.min(params.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  const [records, graph] = await Promise.all([readSigns(env, tenant, start, end), callGraph(env, tenant, start, end)]);
  const all = findBreaks(records, graph);
  const counts = new Map<string, number>();
  for (const finding of all) counts.set(finding.suspect, (counts.get(finding.suspect) ?? 0) + 1);
  const chosen = params.service ? all.filter((f) => f.suspect === params.service) : all;
  return {
    start,
    end,
    findings: chosen.slice(0, limit),
    services: [...counts].map(([service, broken]) => ({ service, broken })).sort((a, b) => b.broken - a.broken || (a.service < b.service ? -1 : 1)),
    more: Math.max(0, chosen.length - limit),
  };
}

/**
 * The findings that concern one trace — as a fragment, or as the request a fragment belongs to —
 * or null when there is no such trace. The trace itself is judged whole (every segment), so a
 * long trace flushed in pieces is judged on all of its spans.
 */
export async function tracePropagation(env: Env, tenant: TenantConfig, traceId: string): Promise<TracePropagation | null> {
  const trace = await readTrace(env, tenant, traceId);
  if (!trace || trace.spans.length === 0) return null;
  const spans = graphSpansOf(trace);
  // A loop, not Math.min(...spans): a trace of 100,000 spans would pass the engine's argument limit.
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const s of spans) {
    startMs = Math.min(startMs, s.startUs / 1000);
    endMs = Math.max(endMs, (s.startUs + s.durationUs) / 1000);
  }
  const [stored, graph] = await Promise.all([
    readSigns(env, tenant, startMs - AROUND_TRACE_MS, endMs + AROUND_TRACE_MS),
    callGraph(env, tenant, startMs - 6 * AROUND_TRACE_MS, endMs + AROUND_TRACE_MS),
  ]);
  const own = traceSigns(spans, graph);
  const records = stored.filter((r) => r.traceId !== traceId);
  if (own) records.push(own);
  const findings = findBreaks(records, graph).filter((f) => f.traceId === traceId || f.fragments.includes(traceId));
  return { traceId, findings };
}

/** Every shard's records of traces that started in [fromMs, toMs). */
async function readSigns(env: Env, tenant: TenantConfig, fromMs: number, toMs: number): Promise<TraceSigns[]> {
  const parts = await Promise.all(allShards(tenant).map((shard) => shardStub(env, tenant.tenantId, shard).propagationSigns(shardConfig(tenant), fromMs, toMs)));
  // A trace is judged in one flush only (segments are skipped), so ids repeat only if a shard
  // answers twice for one trace (a tenant read under several shard counts): keep one.
  const byId = new Map<string, TraceSigns>();
  for (const record of parts.flat()) if (!byId.has(record.traceId)) byId.set(record.traceId, record);
  return [...byId.values()];
}

/** The tenant's call graph over the window, from the metric buckets every shard keeps. */
async function callGraph(env: Env, tenant: TenantConfig, fromMs: number, toMs: number): Promise<CallGraph> {
  const { total } = await loadTotal(env, tenant, Math.floor(fromMs), Math.ceil(toMs));
  return graphOf(total);
}

export function graphOf(total: Aggregate): CallGraph {
  const edges = [...total.edges].map(([key, stat]) => ({ ...parseEdgeKey(key), calls: stat.calls }));
  const services = new Set([...total.operations.keys()].map((key) => parseOperationKey(key).service));
  return new CallGraph(edges, services);
}
