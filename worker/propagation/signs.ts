/**
 * The signs of lost context one completed trace shows on its own, from the span facts a trace
 * shard's flush already holds (the service-graph pass, worker/model/service-graph.ts):
 *
 * - orphans: spans whose parent never arrived (the context came, the parent's span did not) — but
 *   not an incoming span of a service nobody is known to call: its parent is then an upstream that
 *   does not report spans (a load balancer or gateway that forwards or adds a traceparent), which
 *   would otherwise flag, and store, every trace;
 * - a root that is not an entry: no parent, in a service other services call — a SERVER span there
 *   may be a call that arrived without its context; a CLIENT span there is an outgoing call made
 *   after the service lost the context it was called with;
 * - dangling calls: CLIENT spans nobody answered whose peer names a service that exports spans —
 *   the other side of the call exists, in some other trace.
 *
 * A healthy trace shows none, and yields null: nothing is stored for it. What the signs mean across
 * traces (which fragment belongs to which caller) is detect.ts's work, at query time.
 */
import type { GraphSpan } from "../model/service-graph";
import { SpanKind } from "../model/span";
import type { CallGraph } from "./call-graph";

/** Spans of each kind a record keeps at most: enough evidence, a bounded size. */
export const MAX_SIGN_SPANS = 5;

export interface SignSpan {
  spanId: string;
  service: string;
  name: string;
  kind: SpanKind;
  /** µs since the epoch. */
  startUs: number;
  endUs: number;
}

export interface TraceSigns {
  traceId: string;
  startUs: number;
  endUs: number;
  /** The services with spans in the trace. */
  services: string[];
  /** Its root when that is not an ordinary entry (see above); else null. */
  root: SignSpan | null;
  /** The first orphans, with the parent ids that never arrived; `orphanCount` counts them all. */
  orphans: Array<SignSpan & { parentSpanId: string }>;
  orphanCount: number;
  /** The first dangling calls, with the service their peer names. */
  dangling: Array<SignSpan & { peer: string }>;
}


/** The signs of one trace's spans (all of one trace id), or null when it shows none. */
export function traceSigns(spans: readonly GraphSpan[], known: CallGraph): TraceSigns | null {
  const first = spans[0];
  if (!first) return null;
  const ids = new Set<string>();
  const answered = new Set<string>();
  let startUs = Infinity;
  let endUs = -Infinity;
  const services = new Set<string>();
  for (const span of spans) {
    ids.add(span.spanId);
    if (span.parentSpanId) answered.add(span.parentSpanId);
    startUs = Math.min(startUs, span.startUs);
    endUs = Math.max(endUs, span.startUs + span.durationUs);
    services.add(span.service);
  }

  const orphans: TraceSigns["orphans"] = [];
  let orphanCount = 0;
  let root: GraphSpan | null = null;
  const dangling: TraceSigns["dangling"] = [];
  for (const span of spans) {
    if (span.parentSpanId && !ids.has(span.parentSpanId) && (!isIncoming(span) || known.isCalled(span.service))) {
      orphanCount++;
      if (orphans.length < MAX_SIGN_SPANS) orphans.push({ ...signSpan(span), parentSpanId: span.parentSpanId });
    }
    if (!span.parentSpanId && (!root || span.startUs < root.startUs)) root = span;
    if (span.kind === SpanKind.CLIENT && !answered.has(span.spanId) && dangling.length < MAX_SIGN_SPANS) {
      const peer = peerService(span, known);
      if (peer) dangling.push({ ...signSpan(span), peer });
    }
  }
  const suspectRoot = root && isSuspectRoot(root, known) ? signSpan(root) : null;
  if (!suspectRoot && orphanCount === 0 && dangling.length === 0) return null;
  return { traceId: first.traceId, startUs, endUs, services: [...services].sort(), root: suspectRoot, orphans, orphanCount, dangling };
}

/**
 * A root worth a second look: in a service others call, of a kind an incoming call would have —
 * or a CLIENT span, a call no incoming request explains. A CONSUMER linked to its message's
 * producer carried its context by the link (a new trace is how messaging works); an INTERNAL root
 * is a job the service runs on its own (timers, batch work), and so is a PRODUCER root (an outbox
 * relay, a scheduler): they are left alone.
 */
function isSuspectRoot(root: GraphSpan, known: CallGraph): boolean {
  if (!known.isCalled(root.service)) return false;
  if (root.kind === SpanKind.SERVER || root.kind === SpanKind.CLIENT) return true;
  return root.kind === SpanKind.CONSUMER && !root.links?.length;
}

function isIncoming(span: GraphSpan): boolean {
  return span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
}

/**
 * The instrumented service a CLIENT span's peer names, if any: `peer.service`, else
 * `server.address` (call-graph.ts reads a cluster address as its service). Databases and queues are
 * not services that export spans, so they never match.
 */
export function peerService(span: GraphSpan, known: CallGraph): string | null {
  const peer = span.peer;
  if (!peer || peer.dbSystem || peer.messagingSystem) return null;
  for (const name of [peer.service, peer.serverAddress]) {
    const service = known.serviceNamed(name);
    if (service && service !== span.service) return service;
  }
  return null;
}

function signSpan(span: GraphSpan): SignSpan {
  return { spanId: span.spanId, service: span.service, name: span.name, kind: span.kind, startUs: span.startUs, endUs: span.startUs + span.durationUs };
}

/** Groups a flush's span facts (several traces, in any order) by trace. */
export function byTrace(spans: readonly GraphSpan[]): Map<string, GraphSpan[]> {
  const traces = new Map<string, GraphSpan[]>();
  for (const span of spans) {
    const list = traces.get(span.traceId);
    if (list) list.push(span);
    else traces.set(span.traceId, [span]);
  }
  return traces;
}
