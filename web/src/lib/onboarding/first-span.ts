/**
 * "Waiting for your first span": one probe of the server, repeated by the onboarding page until it
 * finds a trace. Spans show up in GET /api/usage the moment they are ingested; a trace becomes
 * searchable a little later (once it has been quiet for TRACE_QUIET_SECONDS), so the indicator
 * goes waiting → arriving → found. The search spans every service (edgetrace, unlike Jaeger, does
 * not need one named), so whatever the user instrumented is found.
 */
import type { TraceList, UsageReport } from "../api/types";
import { apiParams, type SearchQuery } from "../search/query";

export type FirstSpanState =
  | { phase: "waiting" }
  | { phase: "arriving"; spans: number; service: string | null }
  | { phase: "found"; spans: number; service: string; traceID: string };

export interface ProbeApi {
  usage(): Promise<UsageReport>;
  services(): Promise<string[]>;
  findTraces(params: URLSearchParams): Promise<TraceList>;
}

/** The newest trace of any service in the last hour, as the search page would ask for it. */
export function newestTraceParams(nowUs: number): URLSearchParams {
  const query: SearchQuery = { service: "", operation: "", tags: "", lookback: "1h", start: null, end: null, minDuration: "", maxDuration: "", limit: 1, model: "", agent: "", minTokens: "", minCost: "" };
  return apiParams(query, nowUs);
}

export async function probeFirstSpan(api: ProbeApi, nowUs: number): Promise<FirstSpanState> {
  const [usage, services] = await Promise.all([
    api.usage(),
    // Services outlive the usage counters (those restart with the storage objects).
    api.services().catch(() => [] as string[]),
  ]);
  const spans = usage.usage.spansAppended;
  const service = services[0] ?? null;
  if (spans === 0 && usage.openTraces === 0 && service === null) return { phase: "waiting" };
  const traces = await api.findTraces(newestTraceParams(nowUs)).catch(() => [] as TraceList);
  const trace = traces[0];
  if (trace) return { phase: "found", spans, service: rootServiceOf(trace) ?? service ?? "", traceID: trace.traceID };
  return { phase: "arriving", spans, service };
}

function rootServiceOf(trace: TraceList[number]): string | null {
  const root = trace.spans.find((span) => span.references.length === 0) ?? trace.spans[0];
  return root ? (trace.processes[root.processID]?.serviceName ?? null) : null;
}
