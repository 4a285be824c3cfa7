/**
 * Reads one trace of a tenant and digests it for a model: what `GET /api/traces/{id}/digest` and
 * the MCP server's `get_trace` both answer. Adjusted first (clock skew, shared span ids), as every
 * trace read is, so the digest's critical path matches the trace view's.
 */
import { digestTrace, type TraceDigest } from "../digest/digest";
import type { TenantConfig } from "../storage/tenant-directory";
import { adjustTrace } from "./adjust";
import { readTrace } from "./read-trace";

/** Null when the tenant holds no such trace: another tenant's is exactly as absent. */
export async function readTraceDigest(env: Env, config: TenantConfig, traceId: string, origin: string): Promise<TraceDigest | null> {
  const trace = await readTrace(env, config, traceId);
  if (!trace || trace.spans.length === 0) return null;
  const adjusted = adjustTrace(trace);
  return digestTrace(adjusted.trace, origin, adjusted.warnings);
}
