/**
 * Trace adjustments, as Jaeger's query service makes them before showing a trace, each reported
 * as a warning on the span it concerns and summed up in the trace's warnings:
 *
 * - Duplicate span ids. A SERVER span sharing its id with a CLIENT span is the Zipkin "shared
 *   span" convention: like Jaeger's SpanIDDeduper, the server half gets a new id, becomes the
 *   client's child, and the shared id's children move under it. Any other duplicate is flagged.
 * - Orphans: spans whose parent never arrived (flagged; the UI shows them as roots).
 * - Clock skew: a child on another host that does not fit in its parent is shifted into it, as
 *   Jaeger's clock-skew adjuster does (children keep their duration; events move with them).
 *   Differences from Jaeger: hosts without host.* attributes are told apart by service instance or
 *   service (one process has one clock), and messaging children (CONSUMER, or below a PRODUCER)
 *   are never moved — consuming a message after it was produced is not skew.
 *
 * Pure: returns a new Trace; the spans it is given are not modified.
 */
import { SpanKind, type Resource, type Span, type Trace } from "../model/span";
import { formatGoDuration } from "./duration";

/** Larger shifts are reported, not applied: they are more likely bad data than skewed clocks. */
export const MAX_CLOCK_SKEW_NS = 10 * 60 * 1e9;

export interface AdjustedTrace {
  trace: Trace;
  /** Warnings of each span that has some, keyed by the adjusted trace's span objects. */
  spanWarnings: Map<Span, string[]>;
  /** One line per kind of adjustment, for the whole trace. */
  warnings: string[];
  orphanCount: number;
}

export function adjustTrace(input: Trace): AdjustedTrace {
  const spans = input.spans.map((span) => ({ ...span }));
  const trace: Trace = { ...input, spans };
  const result: AdjustedTrace = { trace, spanWarnings: new Map(), warnings: [], orphanCount: 0 };
  const warn = (span: Span, warning: string) => {
    const list = result.spanWarnings.get(span);
    if (list) list.push(warning);
    else result.spanWarnings.set(span, [warning]);
  };
  const { reassigned, duplicates } = dedupeSpanIds(spans, warn);
  if (reassigned) result.warnings.push(`${reassigned} server span(s) shared their span ID with a client span and were given a new ID`);
  if (duplicates) result.warnings.push(`${duplicates} spans have a span ID that another span of this trace also has`);
  result.orphanCount = flagOrphans(spans, warn);
  if (result.orphanCount) result.warnings.push(`${result.orphanCount} span(s) refer to a parent span that is not in the trace`);
  const skewed = correctClockSkew(trace, warn);
  if (skewed) result.warnings.push(`${skewed} span(s) had their timestamps adjusted for clock skew`);
  return result;
}

type Warn = (span: Span, warning: string) => void;

function dedupeSpanIds(spans: Span[], warn: Warn): { reassigned: number; duplicates: number } {
  const byId = new Map<string, Span[]>();
  for (const span of spans) {
    const group = byId.get(span.spanId);
    if (group) group.push(span);
    else byId.set(span.spanId, [span]);
  }
  const ids = new Set(byId.keys());
  const renamed = new Map<string, string>();
  let duplicates = 0;
  for (const [id, group] of byId) {
    if (group.length < 2) continue;
    const server = group.find((s) => s.kind === SpanKind.SERVER);
    const client = group.find((s) => s.kind === SpanKind.CLIENT);
    if (group.length === 2 && server && client) {
      const fresh = freeSpanId(ids);
      ids.add(fresh);
      renamed.set(id, fresh);
      server.spanId = fresh;
      server.parentSpanId = id;
      warn(server, `span ID ${id} was shared with a client span; this server span was given ID ${fresh}`);
    } else {
      duplicates += group.length;
      for (const span of group) warn(span, "duplicate span IDs; skipping clock skew adjustment");
    }
  }
  // The shared id's children were the server's (Zipkin puts the server's work under the shared span).
  for (const span of spans) {
    const fresh = renamed.get(span.parentSpanId);
    if (fresh && span.spanId !== fresh) span.parentSpanId = fresh;
  }
  return { reassigned: renamed.size, duplicates };
}

/** The next unused id after the largest one, as Jaeger picks it (deterministic: same trace, same id). */
function freeSpanId(ids: Set<string>): string {
  let max = 0n;
  for (const id of ids) {
    const value = BigInt(`0x${id}`);
    if (value > max) max = value;
  }
  for (let candidate = (max + 1n) & 0xffffffffffffffffn; ; candidate = (candidate + 1n) & 0xffffffffffffffffn) {
    const id = candidate.toString(16).padStart(16, "0");
    if (candidate !== 0n && !ids.has(id)) return id;
  }
}

function flagOrphans(spans: Span[], warn: Warn): number {
  const ids = new Set(spans.map((s) => s.spanId));
  let orphans = 0;
  for (const span of spans) {
    if (span.parentSpanId && !ids.has(span.parentSpanId)) {
      orphans++;
      warn(span, `parent span ID=${span.parentSpanId} is not in the trace; skipping clock skew adjustment`);
    }
  }
  return orphans;
}

/** A span's times as ns since the trace's first start: exact in a JS number (2^53 ns ≈ 104 days). */
interface Node {
  span: Span;
  host: string;
  start: number;
  end: number;
  children: Node[];
}

function correctClockSkew(trace: Trace, warn: Warn): number {
  if (trace.spans.length < 2) return 0;
  const base = trace.spans.reduce((min, s) => (BigInt(s.startTimeUnixNano) < min ? BigInt(s.startTimeUnixNano) : min), BigInt(trace.spans[0]?.startTimeUnixNano ?? "0"));
  const hosts = trace.resources.map(hostKey);
  const nodes = new Map<string, Node>();
  for (const span of trace.spans) {
    // The first span of an id wins; its duplicates were warned about above and are not moved.
    if (nodes.has(span.spanId)) continue;
    nodes.set(span.spanId, {
      span,
      host: hosts[span.resource] ?? "",
      start: Number(BigInt(span.startTimeUnixNano) - base),
      end: Number(BigInt(span.endTimeUnixNano) - base),
      children: [],
    });
  }
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId ? nodes.get(node.span.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  let adjusted = 0;
  // Depth-first with an explicit stack: a 10,000-span chain must not overflow the call stack.
  const stack = roots.map((node) => ({ node, parent: null as Node | null, skew: { host: node.host, delta: 0 } }));
  while (stack.length > 0) {
    const { node, parent, skew: inherited } = stack.pop() as (typeof stack)[number];
    let skew = inherited;
    // A child on its ancestor's host shares that ancestor's correction; on another host (or an
    // unknown one) it is measured against its parent, whose times are already corrected.
    if (parent && (node.host !== skew.host || node.host === "")) {
      skew = { host: node.host, delta: isMessaging(node, parent) ? 0 : skewOf(node, parent) };
    }
    if (shift(node, skew.delta, base, warn)) adjusted++;
    for (const child of node.children) stack.push({ node: child, parent: node, skew });
  }
  return adjusted;
}

/** A message consumed after it was produced is not skew: leave messaging children where they are. */
function isMessaging(child: Node, parent: Node): boolean {
  return child.span.kind === SpanKind.CONSUMER || parent.span.kind === SpanKind.PRODUCER;
}

/** Jaeger's rule: fit the child in the parent, splitting the difference in duration evenly (network there and back). */
function skewOf(child: Node, parent: Node): number {
  const parentLength = parent.end - parent.start;
  const childLength = child.end - child.start;
  if (childLength > parentLength) {
    // Longer than its parent: async, or the parent timed out. Only make sure it does not start first.
    return child.start < parent.start ? parent.start - child.start : 0;
  }
  if (child.start >= parent.start && child.end <= parent.end) return 0;
  const latency = Math.trunc((parentLength - childLength) / 2);
  return parent.start + latency - child.start;
}

/** Moves a span (and its events) by `delta` ns; false when nothing moved. */
function shift(node: Node, delta: number, base: bigint, warn: Warn): boolean {
  if (delta === 0) return false;
  if (Math.abs(delta) > MAX_CLOCK_SKEW_NS) {
    warn(node.span, `max clock skew adjustment delta of ${formatGoDuration(MAX_CLOCK_SKEW_NS)} exceeded; not applying calculated delta of ${formatGoDuration(delta)}`);
    return false;
  }
  node.start += delta;
  node.end += delta;
  const by = BigInt(delta);
  node.span.startTimeUnixNano = (base + BigInt(node.start)).toString();
  node.span.endTimeUnixNano = (base + BigInt(node.end)).toString();
  node.span.events = node.span.events.map((event) => ({ ...event, timeUnixNano: (BigInt(event.timeUnixNano) + by).toString() }));
  warn(node.span, `This span's timestamps were adjusted by ${formatGoDuration(delta)}`);
  return true;
}

/** One clock per host: host.id, host.ip or host.name as Jaeger reads them, else the service instance, else the service. */
function hostKey(resource: Resource | undefined): string {
  const get = (key: string) => resource?.attributes.find((kv) => kv.key === key)?.value;
  for (const key of ["host.id", "host.ip", "host.name", "service.instance.id", "service.name"]) {
    const value = get(key);
    if (value && "stringValue" in value && value.stringValue) return `${key}=${value.stringValue}`;
    if (value && "arrayValue" in value) {
      const first = value.arrayValue.values[0];
      if (first && "stringValue" in first) return `${key}=${first.stringValue}`;
    }
  }
  return "";
}
