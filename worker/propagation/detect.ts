/**
 * From the signs traces showed (signs.ts) and the tenant's call graph, the breaks: which traces
 * are fragments of one request, and which service most likely dropped the context — with the
 * evidence, in words a person (or a model, through MCP) can check.
 *
 * Rules, strongest first; a trace gets one finding, from the first rule that explains it:
 *
 * 1. A fragment's root (a SERVER span in service C, no parent) lies inside a dangling CLIENT span
 *    of service B that names C: B called C, and C's side started a new trace. The two traces are
 *    one request. Suspect: B — unless C is never seen continuing anyone's context while B's calls
 *    to others carry it, which says C does not read incoming context.
 * 2. A fragment's root in C lies inside another trace whose root is a CLIENT span of a service B
 *    known to call C: separate root traces, at the same moment, from services that call each
 *    other — B lost its context, and its calls started traces of their own.
 * 3. A trace starts with a CLIENT span of service B, which others call: B made an outgoing call
 *    with no context, after losing the one it was called with. Suspect: B.
 * 4. Spans whose parent never arrived: the context was passed, the parent's span was not. For a
 *    SERVER span in C the parent was a caller's CLIENT span — the caller of C present in the trace
 *    (or C's usual caller) is the suspect; for other kinds the parent was C's own span.
 *
 * A SERVER root that no rule ties to a caller is not reported: services may be called and also
 * serve requests from outside, and a guess there would be a false alarm. Nor is a SERVER root
 * inside another trace's SERVER root: at any load, some request of a caller is always running.
 */
import { SpanKind } from "../model/span";
import type { CallGraph } from "./call-graph";
import type { SignSpan, TraceSigns } from "./signs";

/** Clock skew allowed between a caller's span and its callee's (services' clocks differ by a few ms). */
export const SKEW_US = 5_000;

export type FindingSign = "dangling-call" | "concurrent-roots" | "outgoing-root" | "missing-parent";

/** How to join a fragment to the request it belongs to, in a view only (stored data is never changed). */
export interface StitchPoint {
  /** The fragment and the span of it to hang under the parent span. */
  traceId: string;
  spanId: string;
  parentTraceId: string;
  parentSpanId: string;
}

export interface Finding {
  /** The trace that shows the break: the fragment, or the trace missing a parent. */
  traceId: string;
  sign: FindingSign;
  /** The service that most likely dropped the context. */
  suspect: string;
  /** Sentences, strongest first. */
  evidence: string[];
  /** Every trace of the broken request, the caller's first (just `traceId` when no other is known). */
  fragments: string[];
  stitch: StitchPoint[];
  /** When the break happened: the fragment's start, ms since the epoch. */
  timeMs: number;
}

const KIND_NAMES: Record<number, string> = { 0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER" };
/** "ledger's", "payments'": how a service's span is named in the evidence. */
const owner = (service: string) => (service.endsWith("s") ? `${service}'` : `${service}'s`);
const describe = (span: SignSpan) => `${owner(span.service)} ${KIND_NAMES[span.kind] ?? "?"} span "${span.name}"`;
const ms = (us: number) => `${Math.round(us / 100) / 10} ms`;
const short = (traceId: string) => traceId.slice(0, 16);

interface Candidate {
  record: TraceSigns;
  span: SignSpan;
}

export function findBreaks(records: readonly TraceSigns[], graph: CallGraph): Finding[] {
  const dangling = new ByStart();
  const roots = new ByStart();
  for (const record of records) {
    for (const call of record.dangling) dangling.add(call.peer, { record, span: call });
    if (record.root) roots.add("", { record, span: record.root });
  }
  dangling.sort();
  roots.sort();
  const findings: Finding[] = [];
  for (const record of records) {
    const finding = fromDanglingCall(record, dangling, graph) ?? fromConcurrentRoot(record, roots, graph) ?? fromOutgoingRoot(record, graph) ?? fromMissingParent(record, graph);
    if (finding) findings.push(finding);
  }
  return findings.sort((a, b) => b.timeMs - a.timeMs);
}

/** Whether `inner` ran within `outer`, exactly or give or take `skew` µs. */
function within(inner: SignSpan, outer: SignSpan, skew = 0): boolean {
  return inner.startUs >= outer.startUs - skew && inner.endUs <= outer.endUs + skew;
}

/** Candidates looked at, at most, for one span: a bound on the work a day of broken traffic makes. */
const MAX_SCAN = 2_000;

/**
 * Candidate spans by a key, in start order, so the span that encloses another and started last
 * before it (the tightest fit: the call it came from) is found by a binary search and a short
 * walk back, not by a pass over every candidate.
 */
class ByStart {
  private readonly byKey = new Map<string, Candidate[]>();

  add(key: string, candidate: Candidate): void {
    const list = this.byKey.get(key);
    if (list) list.push(candidate);
    else this.byKey.set(key, [candidate]);
  }

  sort(): void {
    for (const list of this.byKey.values()) list.sort((a, b) => a.span.startUs - b.span.startUs);
  }

  /**
   * The candidate under `key`, of another trace than `traceId` and passing `accept`, that `inner`
   * came from: of those that enclose it exactly, the one that started last; failing any, the one
   * that encloses it give or take clock skew and started nearest to it.
   */
  enclosing(key: string, inner: SignSpan, traceId: string, accept: (c: Candidate) => boolean = () => true): Candidate | undefined {
    const list = this.byKey.get(key);
    if (!list) return undefined;
    const fits = (c: Candidate, skew: number) => c.record.traceId !== traceId && within(inner, c.span, skew) && accept(c);
    const exactEnd = after(list, inner.startUs);
    for (let i = exactEnd - 1; i >= 0 && i >= exactEnd - MAX_SCAN; i--) if (fits(list[i] as Candidate, 0)) return list[i];
    const skewedEnd = after(list, inner.startUs + SKEW_US);
    let best: Candidate | undefined;
    for (let i = skewedEnd - 1; i >= 0 && i >= skewedEnd - MAX_SCAN; i--) {
      const c = list[i] as Candidate;
      if (fits(c, SKEW_US) && (!best || Math.abs(c.span.startUs - inner.startUs) < Math.abs(best.span.startUs - inner.startUs))) best = c;
    }
    return best;
  }
}

/** The index of the first candidate (in start order) that starts after `us`. */
function after(list: readonly Candidate[], us: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as Candidate).span.startUs <= us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isIncoming(span: SignSpan): boolean {
  return span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
}

/**
 * Between a caller B whose call arrived without context and its callee C: B (it did not send the
 * context) unless the graph shows C never continuing anyone's context while B's calls elsewhere do.
 */
function blame(caller: string, callee: string, graph: CallGraph): { suspect: string; why: string } {
  const into = graph.carriedInto(callee);
  if (into.length > 0) {
    const top = into.slice(0, 3).map((c) => `${c.service} (${c.calls})`).join(", ");
    return { suspect: caller, why: `${callee} does continue the context of calls from ${top}, so it reads incoming context: the call from ${caller} arrived without it` };
  }
  const out = graph.carriedOutOf(caller);
  if (out > 0) return { suspect: callee, why: `${owner(caller)} calls to other services carry its context (${out} calls), but no call into ${callee} ever does: ${callee} does not read incoming context` };
  return { suspect: caller, why: `the call left ${caller} without its context` };
}

function fromDanglingCall(record: TraceSigns, dangling: ByStart, graph: CallGraph): Finding | null {
  const root = record.root;
  if (!root || !isIncoming(root)) return null;
  const call = dangling.enclosing(root.service, root, record.traceId);
  if (!call) return null;
  const { suspect, why } = blame(call.span.service, root.service, graph);
  const known = graph.calls(call.span.service, root.service);
  return {
    traceId: record.traceId,
    sign: "dangling-call",
    suspect,
    evidence: [
      `${describe(root)} has no parent and started ${ms(root.startUs - call.span.startUs)} into ${describe(call.span)} of trace ${short(call.record.traceId)}, which names ${root.service} as its peer and which no server span answered`,
      why,
      ...(known.carried > 0 ? [`${call.span.service} → ${root.service} is a known call (${known.carried} carried their context in this window)`] : []),
    ],
    fragments: [call.record.traceId, record.traceId],
    stitch: [{ traceId: record.traceId, spanId: root.spanId, parentTraceId: call.record.traceId, parentSpanId: call.span.spanId }],
    timeMs: root.startUs / 1000,
  };
}

function fromConcurrentRoot(record: TraceSigns, roots: ByStart, graph: CallGraph): Finding | null {
  const root = record.root;
  if (!root || !isIncoming(root)) return null;
  const callsRoot = (c: Candidate) => {
    if (c.span.service === root.service || isIncoming(c.span)) return false;
    const calls = graph.calls(c.span.service, root.service);
    return calls.carried + calls.named > 0;
  };
  const parent = roots.enclosing("", root, record.traceId, callsRoot);
  if (!parent) return null;
  const { suspect, why } = blame(parent.span.service, root.service, graph);
  return {
    traceId: record.traceId,
    sign: "concurrent-roots",
    suspect,
    evidence: [
      `${describe(root)} has no parent and ran inside ${describe(parent.span)}, the root of trace ${short(parent.record.traceId)}: two root traces at the same moment from services that call each other`,
      why,
    ],
    fragments: [parent.record.traceId, record.traceId],
    stitch: [{ traceId: record.traceId, spanId: root.spanId, parentTraceId: parent.record.traceId, parentSpanId: parent.span.spanId }],
    timeMs: root.startUs / 1000,
  };
}

function fromOutgoingRoot(record: TraceSigns, graph: CallGraph): Finding | null {
  const root = record.root;
  if (!root || isIncoming(root)) return null;
  const callers = graph.callers(root.service).slice(0, 3);
  return {
    traceId: record.traceId,
    sign: "outgoing-root",
    suspect: root.service,
    evidence: [
      `the trace starts with ${describe(root)}: an outgoing call with no parent`,
      `${root.service} is called by ${callers.map((c) => `${c.service} (${c.calls} calls)`).join(", ")}, so it had a context to pass on and lost it before this call`,
    ],
    fragments: [record.traceId],
    stitch: [],
    timeMs: root.startUs / 1000,
  };
}

function fromMissingParent(record: TraceSigns, graph: CallGraph): Finding | null {
  const orphan = record.orphans[0];
  if (!orphan) return null;
  const count = record.orphanCount === 1 ? "1 span names a parent" : `${record.orphanCount} spans name parents`;
  const first = `${count} that never arrived: ${describe(orphan)} names parent ${orphan.parentSpanId}`;
  if (!isIncoming(orphan)) {
    return {
      traceId: record.traceId,
      sign: "missing-parent",
      suspect: orphan.service,
      evidence: [first, `a ${KIND_NAMES[orphan.kind] ?? "?"} span's parent is its own service's span: ${orphan.service} passed the context on but never sent that span`],
      fragments: [record.traceId],
      stitch: [],
      timeMs: orphan.startUs / 1000,
    };
  }
  const callers = graph.callers(orphan.service);
  const inTrace = callers.filter((c) => record.services.includes(c.service));
  const caller = inTrace[0] ?? callers[0];
  // Nobody is known to call it: the parent is an upstream that reports no spans (a load balancer
  // adding a traceparent), not a service of this tenant that lost anything.
  if (!caller) return null;
  const evidence = [first];
  if (inTrace.length > 0) evidence.push(`${caller.service} calls ${orphan.service} (${caller.calls} calls in this window) and is in this trace, yet none of its spans is the parent: it passed the context on but its span never arrived`);
  else evidence.push(`${caller.service} is ${owner(orphan.service)} usual caller (${caller.calls} calls in this window); the parent would be its CLIENT span`);
  return {
    traceId: record.traceId,
    sign: "missing-parent",
    suspect: caller.service,
    evidence,
    fragments: [record.traceId],
    stitch: [],
    timeMs: orphan.startUs / 1000,
  };
}
