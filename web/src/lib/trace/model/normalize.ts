/**
 * Jaeger trace JSON → the view model (`ViewTrace`). OTLP input reaches here too, converted to a
 * Jaeger trace first by `import.ts`, so there is one path to test.
 *
 * Parents follow Jaeger UI: the first CHILD_OF reference to a span in the trace, else the first
 * FOLLOWS_FROM one. A span whose parent is absent becomes a root and is marked an orphan (traces
 * read while spans are still arriving have them). Broken input — duplicate span ids, reference
 * cycles — is shown rather than refused, with a warning saying what was done.
 */
import type { JaegerKeyValue, JaegerSpan, JaegerTrace } from "../../../../../worker/jaeger/v1-types";
import { micros, type Micros } from "../../../../../worker/model/time";
import type { ServiceSummary, SpanKindName, StatusName, ViewSpan, ViewTrace } from "./types";

/** Tags the detail panel shows as fields of their own rather than in the attribute list. */
const FIELD_TAGS = new Set(["span.kind", "otel.status_code", "otel.status_description", "otel.scope.name", "otel.scope.version"]);
const KINDS = new Set<SpanKindName>(["server", "client", "producer", "consumer", "internal"]);

type MutableSpan = { -readonly [K in keyof ViewSpan]: ViewSpan[K] } & { children: number[] };

interface Draft {
  source: JaegerSpan;
  service: string;
  parentSpanId: string;
  parentRefType: ViewSpan["parentRefType"];
  /** Draft index of the parent, −1 if none or absent. */
  parent: number;
  orphan: boolean;
  children: number[];
}

export function normalizeTrace(trace: JaegerTrace): ViewTrace {
  const warnings: string[] = [...(trace.warnings ?? [])];
  const sources = trace.spans ?? [];

  // Duplicate span ids: keep every span (the file holds them) but let references name the first.
  const firstById = new Map<string, number>();
  let duplicates = 0;
  sources.forEach((span, i) => {
    if (firstById.has(span.spanID)) duplicates++;
    else firstById.set(span.spanID, i);
  });
  if (duplicates) warnings.push(`${duplicates} span${duplicates === 1 ? "" : "s"} share a span id with another span; references point at the first`);

  const drafts: Draft[] = sources.map((source) => {
    const ref = parentReference(source, firstById);
    return {
      source,
      service: trace.processes?.[source.processID]?.serviceName ?? "unknown_service",
      parentSpanId: ref?.spanID ?? "",
      parentRefType: ref?.refType ?? null,
      parent: ref && ref.present ? (firstById.get(ref.spanID) ?? -1) : -1,
      orphan: ref !== null && !ref.present,
      children: [],
    };
  });
  drafts.forEach((draft, i) => {
    if (draft.parent === i) draft.parent = -1; // a span naming itself as its parent
    if (draft.parent >= 0) drafts[draft.parent]?.children.push(i);
  });
  const byStart = (a: number, b: number) => (sources[a]?.startTime ?? 0) - (sources[b]?.startTime ?? 0) || a - b;
  for (const draft of drafts) draft.children.sort(byStart);

  // Roots: true roots before orphans, each group by start time.
  const rootDrafts = drafts.flatMap((d, i) => (d.parent < 0 ? [i] : [])).sort((a, b) => Number(drafts[a]?.orphan) - Number(drafts[b]?.orphan) || byStart(a, b));

  // Depth-first pre-order, iteratively (a 10,000-deep chain would overflow the call stack).
  const order: number[] = [];
  const depthOf = new Int32Array(drafts.length);
  const visited = new Uint8Array(drafts.length);
  const walk = (root: number) => {
    const stack = [root];
    while (stack.length) {
      const i = stack.pop() as number;
      if (visited[i]) continue;
      visited[i] = 1;
      order.push(i);
      const children = drafts[i]?.children ?? [];
      for (let c = children.length - 1; c >= 0; c--) {
        const child = children[c] as number;
        depthOf[child] = (depthOf[i] ?? 0) + 1;
        stack.push(child);
      }
    }
  };
  for (const root of rootDrafts) walk(root);
  // Spans in a reference cycle (or hanging below one) are reachable from no root: cut each cycle
  // at its earliest span, which then roots everything that hung off the cycle.
  if (order.length < drafts.length) {
    let cut = 0;
    for (let i = 0; i < drafts.length; i++) {
      if (visited[i]) continue;
      // Climb parents until one repeats: everything from that span up is the cycle.
      const path: number[] = [];
      const onPath = new Set<number>();
      let at = i;
      while (!onPath.has(at)) {
        onPath.add(at);
        path.push(at);
        at = drafts[at]?.parent ?? -1;
      }
      const cycle = path.slice(path.indexOf(at));
      const head = cycle.reduce((best, c) => (byStart(c, best) < 0 ? c : best));
      const draft = drafts[head] as Draft;
      const parent = drafts[draft.parent];
      if (parent) parent.children = parent.children.filter((c) => c !== head);
      draft.parent = -1;
      depthOf[head] = 0;
      rootDrafts.push(head);
      walk(head);
      cut++;
    }
    warnings.push(`${cut} reference cycle${cut === 1 ? "" : "s"} cut: the earliest span of each is shown as a root`);
  }

  const positionOf = new Int32Array(drafts.length);
  order.forEach((draftIndex, position) => (positionOf[draftIndex] = position));

  let start = Infinity;
  let end = -Infinity;
  for (const span of sources) {
    start = Math.min(start, span.startTime);
    end = Math.max(end, span.startTime + span.duration);
  }
  if (!sources.length) start = end = 0;

  const serviceCounts = new Map<string, { spans: number; errors: number; first: number }>();
  const spans: MutableSpan[] = order.map((draftIndex, index) => {
    const draft = drafts[draftIndex] as Draft;
    const s = draft.source;
    const fields = tagFields(s.tags ?? []);
    const spanStart = micros(s.startTime);
    const duration = micros(Math.max(0, s.duration));
    const counts = serviceCounts.get(draft.service) ?? { spans: 0, errors: 0, first: index };
    counts.spans++;
    if (fields.error) counts.errors++;
    serviceCounts.set(draft.service, counts);
    const processTags = trace.processes?.[s.processID]?.tags ?? [];
    return {
      index,
      spanId: s.spanID,
      traceId: s.traceID,
      operation: s.operationName,
      service: draft.service,
      serviceIndex: 0,
      kind: fields.kind,
      start: spanStart,
      duration,
      end: micros(spanStart + duration),
      offset: micros(spanStart - start),
      depth: depthOf[draftIndex] ?? 0,
      parent: draft.parent >= 0 ? (positionOf[draft.parent] ?? -1) : -1,
      parentSpanId: draft.parentSpanId,
      parentRefType: draft.parentRefType,
      orphan: draft.orphan,
      children: draft.children.map((c) => positionOf[c] ?? -1),
      subtreeSize: 1,
      selfTime: duration,
      error: fields.error,
      status: fields.status,
      statusMessage: fields.statusMessage,
      scopeName: fields.scopeName,
      scopeVersion: fields.scopeVersion,
      tags: fields.rest,
      processTags,
      logs: s.logs ?? [],
      references: s.references ?? [],
      warnings: s.warnings ?? [],
      source: s,
    };
  });

  // Pre-order puts every subtree after its root, so one backwards pass sums subtree sizes.
  for (let i = spans.length - 1; i >= 0; i--) {
    const span = spans[i] as MutableSpan;
    for (const c of span.children) span.subtreeSize += (spans[c] as MutableSpan).subtreeSize;
    span.selfTime = selfTime(span, spans);
  }

  // Services by span count (ties: first seen) so the busiest get the first, most distinct colours.
  const services: ServiceSummary[] = [...serviceCounts]
    .sort(([, a], [, b]) => b.spans - a.spans || a.first - b.first)
    .map(([name, c], index) => ({ name, index, spanCount: c.spans, errorCount: c.errors }));
  const serviceIndex = new Map(services.map((s) => [s.name, s.index]));
  let maxDepth = 0;
  let errorCount = 0;
  let orphanCount = 0;
  for (const span of spans) {
    span.serviceIndex = serviceIndex.get(span.service) ?? 0;
    maxDepth = Math.max(maxDepth, span.depth);
    if (span.error) errorCount++;
    if (span.orphan) orphanCount++;
  }
  if (orphanCount) warnings.push(`${orphanCount} span${orphanCount === 1 ? "" : "s"} name a parent that is not in the trace; shown as roots`);

  const byId = new Map<string, number>();
  for (const span of spans) if (!byId.has(span.spanId)) byId.set(span.spanId, span.index);

  return {
    traceId: trace.traceID ?? sources[0]?.traceID ?? "",
    spans,
    roots: rootDrafts.map((d) => positionOf[d] ?? 0).sort((a, b) => a - b),
    byId,
    start: micros(start),
    end: micros(end),
    duration: micros(end - start),
    services,
    maxDepth,
    errorCount,
    orphanCount,
    warnings,
    source: trace,
  };
}

interface ParentRef {
  spanID: string;
  refType: "CHILD_OF" | "FOLLOWS_FROM";
  present: boolean;
}

function parentReference(span: JaegerSpan, ids: Map<string, number>): ParentRef | null {
  const refs = (span.references ?? []).filter((r) => !r.traceID || sameTrace(r.traceID, span.traceID));
  const childOf = refs.find((r) => r.refType === "CHILD_OF");
  if (childOf) return { spanID: childOf.spanID, refType: "CHILD_OF", present: ids.has(childOf.spanID) && childOf.spanID !== span.spanID };
  // FOLLOWS_FROM only makes a parent when it points inside the trace: OTLP links to other traces
  // arrive as FOLLOWS_FROM references and must not make a root look orphaned.
  const followsFrom = refs.find((r) => r.refType === "FOLLOWS_FROM" && ids.has(r.spanID) && r.spanID !== span.spanID);
  return followsFrom ? { spanID: followsFrom.spanID, refType: "FOLLOWS_FROM", present: true } : null;
}

/** Jaeger shortens trace ids whose high half is zero; compare the low 16 digits both ways. */
function sameTrace(a: string, b: string): boolean {
  return a === b || a.padStart(32, "0") === b.padStart(32, "0");
}

function tagFields(tags: readonly JaegerKeyValue[]) {
  let kind: SpanKindName = "";
  let status: StatusName = "UNSET";
  let statusMessage = "";
  let scopeName = "";
  let scopeVersion = "";
  let error = false;
  const rest: JaegerKeyValue[] = [];
  for (const tag of tags) {
    const text = String(tag.value);
    switch (tag.key) {
      case "span.kind":
        if (KINDS.has(text.toLowerCase() as SpanKindName)) kind = text.toLowerCase() as SpanKindName;
        break;
      case "otel.status_code":
        if (text === "ERROR" || text === "OK") status = text;
        break;
      case "otel.status_description":
        statusMessage = text;
        break;
      case "otel.scope.name":
        scopeName = text;
        break;
      case "otel.scope.version":
        scopeVersion = text;
        break;
      case "error":
        // Jaeger clients send error=true as a bool or as the string "true".
        error = tag.value === true || text === "true";
        break;
    }
    if (!FIELD_TAGS.has(tag.key)) rest.push(tag);
  }
  if (status === "ERROR") error = true;
  if (error && status === "UNSET") status = "ERROR";
  return { kind, status, statusMessage, scopeName, scopeVersion, error, rest };
}

/** The part of a span's duration no child covers: its duration minus the union of its children's intervals, clipped to it. */
function selfTime(span: MutableSpan, spans: readonly MutableSpan[]): Micros {
  let covered = 0;
  let runStart = 0;
  let runEnd = -Infinity;
  // Children are sorted by start, so one sweep merges overlapping ones.
  for (const c of span.children) {
    const child = spans[c] as MutableSpan;
    const s = Math.max(child.start, span.start);
    const e = Math.min(child.end, span.end);
    if (e <= s) continue;
    if (s > runEnd) {
      if (runEnd > runStart) covered += runEnd - runStart;
      runStart = s;
      runEnd = e;
    } else runEnd = Math.max(runEnd, e);
  }
  if (runEnd > runStart) covered += runEnd - runStart;
  return micros(Math.max(0, span.duration - covered));
}

/** The span a trace is named after: its earliest true root, else its earliest span. */
export function rootSpan(trace: ViewTrace): ViewSpan | undefined {
  const first = trace.roots[0];
  return first === undefined ? undefined : trace.spans[first];
}

/** Ancestors of a span, nearest first. */
export function ancestorsOf(trace: ViewTrace, index: number): number[] {
  const out: number[] = [];
  for (let p = trace.spans[index]?.parent ?? -1; p >= 0; p = trace.spans[p]?.parent ?? -1) out.push(p);
  return out;
}
