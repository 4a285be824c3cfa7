/**
 * Whether a trace shard stores a completed trace, under the tenant's tail policy (tail-policy.ts).
 * Pure: it reads only the facts the flush's digest pass has already computed for the block (the
 * trace's duration, and per operation its longest span and whether one failed), so deciding costs
 * no second walk over the spans.
 *
 * Order of the rules: errors, the trace's duration, per service (and operation) thresholds, then
 * the share. The share is drawn from the trace id alone, so every shard, every retried flush and
 * every segment of a long-running trace draws the same number.
 */
import type { TailPolicy } from "./tail-policy";
import type { OperationStats } from "../trace-index/search-entry";
import type { Micros } from "../model/time";

/** What deciding needs of a trace (a TraceDigest has it all). */
export interface TailFacts {
  traceId: string;
  durationUs: Micros;
  operations: ReadonlyArray<Pick<OperationStats, "service" | "name" | "maxSpanUs" | "errors">>;
}

/** Why a trace is kept, or that it is not. */
export type TailVerdict = "error" | "slow" | "slow-operation" | "share" | "drop";

export function decideTail(policy: TailPolicy, facts: TailFacts): TailVerdict {
  if (policy.keepErrors && facts.operations.some((op) => op.errors)) return "error";
  if (policy.slowerThanMs !== null && facts.durationUs >= msToUs(policy.slowerThanMs)) return "slow";
  for (const rule of policy.slowerThan) {
    const threshold = msToUs(rule.ms);
    const slow = facts.operations.some((op) => op.service === rule.service && (rule.operation === undefined || op.name === rule.operation) && op.maxSpanUs >= threshold);
    if (slow) return "slow-operation";
  }
  return inShare(facts.traceId, policy.keepPercent) ? "share" : "drop";
}

/**
 * Whether a trace id falls in the kept share. The id is hashed rather than read as a number: SDKs
 * whose head sampler keeps ids below a threshold (OTel's TraceIdRatioBased) would otherwise make
 * the tail share keep the same low ids the head share kept, and hand-made ids are often
 * sequential. The salt keeps this draw independent of shard routing (also an FNV-1a of the id).
 */
export function inShare(traceId: string, keepPercent: number): boolean {
  if (keepPercent >= 100) return true;
  if (keepPercent <= 0) return false;
  return shareKey(traceId) < (keepPercent / 100) * 2 ** 32;
}

/** A uniform 32-bit number from the trace id: FNV-1a, then murmur3's finaliser to spread its bits. */
export function shareKey(traceId: string): number {
  let hash = 0x811c9dc5;
  const key = `tail/${traceId.toLowerCase()}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Digests keep durations in whole µs (truncated): a threshold in ms is compared in µs. */
function msToUs(ms: number): number {
  return Math.ceil(ms * 1000);
}
