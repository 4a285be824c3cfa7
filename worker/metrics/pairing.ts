/**
 * Pairing over time: a message may be read minutes after it was sent, by a trace another flush —
 * or another shard — completes. Each flush offers its spans together with the message spans held
 * from before; what pairs becomes a call, what still misses its other side is held until its
 * window ends and is then settled as serviceCalls settles it (a lone producer calls its queue, a
 * lone linked consumer is an entry point). Calls are counted once: a held span has had its own
 * operation counted already, and only its call waits.
 */
import { serviceCalls, type GraphCall, type GraphSpan, type ServiceCalls } from "../model/service-graph";
import { SpanKind } from "../model/span";

/** How long a message span waits for its other side. */
export const PAIRING_WINDOW_MS = 3 * 60_000;
/** Message spans held at most: past this, the longest-held are settled at once. */
export const MAX_HELD = 10_000;

export interface HeldSpan {
  span: GraphSpan;
  /** When to stop waiting (ms). */
  until: number;
}

export interface Pairing {
  calls: GraphCall[];
  entries: ServiceCalls["entries"];
  /** Still waiting: to hold here. */
  keep: HeldSpan[];
  /** Consumers whose producer's trace lives in another shard: shard → spans to hand over. */
  forward: Map<number, GraphSpan[]>;
}

export interface PairingOptions {
  now: number;
  windowMs?: number;
  maxHeld?: number;
  /** For a new linked consumer: the shard holding the trace it links to, if not this one. */
  elsewhere?: (span: GraphSpan) => number | null;
}

export function pairWithHeld(fresh: readonly GraphSpan[], held: readonly HeldSpan[], options: PairingOptions): Pairing {
  const { now, windowMs = PAIRING_WINDOW_MS, maxHeld = MAX_HELD } = options;
  const heldUntil = new Map<GraphSpan, number>(held.map((h) => [h.span, h.until]));
  const spans = held.length ? [...fresh, ...heldUntil.keys()] : fresh;
  const { calls, entries, unpaired } = serviceCalls(spans, (span) => (heldUntil.get(span) ?? now + windowMs) > now);
  const keep: HeldSpan[] = [];
  const forward = new Map<number, GraphSpan[]>();
  for (const span of unpaired) {
    const until = heldUntil.get(span);
    const shard = until === undefined ? (options.elsewhere?.(span) ?? null) : null;
    if (shard !== null) forward.set(shard, [...(forward.get(shard) ?? []), span]);
    else keep.push({ span, until: until ?? now + windowMs });
  }
  if (keep.length > maxHeld) {
    keep.sort((a, b) => a.until - b.until);
    // A lone span settles the same whatever it is offered with: settle the overflow on its own.
    const settled = serviceCalls(keep.splice(0, keep.length - maxHeld).map((h) => h.span));
    calls.push(...settled.calls);
    entries.push(...settled.entries);
  }
  return { calls, entries, keep, forward };
}

/** A new consumer span that names its producer only by a link: its pairing happens where that trace lives. */
export function linkedTraceOf(span: GraphSpan): string | null {
  if (span.kind !== SpanKind.CONSUMER || span.parentSpanId || !span.links?.length) return null;
  return span.links[0]?.traceId ?? null;
}
