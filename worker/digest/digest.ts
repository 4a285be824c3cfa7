/**
 * The LLM-ready digest of one trace: what a model (or a person on call) needs to explain it, in a
 * bounded size whatever the trace's — the critical path with self times, every error (identical
 * ones grouped, with their exception), repeated sibling calls collapsed with counts and ranges,
 * named patterns with their evidence, and a condensed outline of the tree; every span it names
 * links back to the trace view.
 *
 * Bounded by construction: each list has a cap and says how much it left out, each text is
 * clipped, so a 10,000-span trace's digest is about as long as a 50-span one's (see markdown.ts for
 * how the Markdown is held to its token budget).
 *
 * Pure: a Trace in (already adjusted for clock skew by the caller), plain data out.
 */
import { criticalPath, criticalTimeBySpan } from "../model/critical-path";
import type { Trace } from "../model/span";
import { micros, type Micros } from "../model/time";
import { clip } from "./format";
import { siblingGroups, type SiblingGroup } from "./groups";
import { failureText, findPatterns, type Pattern } from "./patterns";
import { attribute, buildTree, exceptionEvents, type DigestTree, type TreeSpan } from "./tree";

export const LIMITS = {
  criticalSteps: 20,
  errorGroups: 12,
  errorSpanIds: 3,
  stackFrames: 3,
  repeatedGroups: 12,
  outlineRows: 60,
  services: 15,
  text: 240,
} as const;

export interface DigestSpanRef {
  spanId: string;
  service: string;
  operation: string;
  url: string;
}

export interface CriticalStep extends DigestSpanRef {
  kind: string;
  durationMs: number;
  selfMs: number;
  /** Time this span is on the critical path: its own work while nothing else held the trace up. */
  onPathMs: number;
  /** Start, relative to the trace's start. */
  atMs: number;
}

export interface DigestError extends DigestSpanRef {
  /** Spans with this same failure (service, operation, message). */
  count: number;
  spanIds: string[];
  message: string;
  exception: { type: string; message: string; stacktrace: string[] } | null;
  /** True when no descendant failed: where the failure started, not one it passed through. */
  origin: boolean;
}

export interface RepeatedCall {
  parent: DigestSpanRef | null;
  service: string;
  operation: string;
  count: number;
  minMs: number;
  maxMs: number;
  totalMs: number;
  errors: number;
  maxConcurrency: number;
}

export interface OutlineRow {
  depth: number;
  spanId: string;
  service: string;
  operation: string;
  kind: string;
  durationMs: number;
  selfMs: number;
  error: boolean;
  /** Siblings folded into this row (the row shows the slowest); 1 for a single span. */
  count: number;
  minMs: number;
  errors: number;
}

export interface TraceDigest {
  traceId: string;
  url: string;
  summary: {
    rootService: string;
    rootOperation: string;
    startTime: string;
    durationMs: number;
    spanCount: number;
    errorSpanCount: number;
    services: Array<{ name: string; spans: number; errors: number }>;
    servicesOmitted: number;
    orphanCount: number;
  };
  criticalPath: { totalMs: number; steps: CriticalStep[]; stepsOmitted: number; omittedMs: number };
  errors: { groups: DigestError[]; groupsOmitted: number };
  repeated: { calls: RepeatedCall[]; omitted: number };
  patterns: Pattern[];
  /** `spansNotShown`: spans no row stands for (past the row cap, or below a folded group's other members). */
  outline: { rows: OutlineRow[]; spansNotShown: number };
  warnings: string[];
}

const toMs = (us: number) => Math.round(us) / 1000;

/** `origin` is where the app runs ("https://edgetrace.example"): every link in the digest starts there. */
export function digestTrace(trace: Trace, origin: string, warnings: readonly string[] = []): TraceDigest {
  const tree = buildTree(trace);
  const url = `${origin}/trace/${trace.traceId}`;
  const ref = (span: TreeSpan): DigestSpanRef => ({ spanId: span.spanId, service: span.service, operation: span.name, url: `${url}?span=${span.spanId}` });

  // The path of the trace's main root (orphans root fragments of their own; the main one is what the trace's duration means).
  const main = tree.roots[0];
  const segments = main === undefined ? [] : criticalPath({ spans: tree.spans, roots: [main] });
  const onPath = criticalTimeBySpan(segments);
  const pathTotal = micros([...onPath.values()].reduce((a, b) => a + b, 0));

  const groups = siblingGroups(tree);
  const root = main === undefined ? undefined : tree.spans[main];
  return {
    traceId: trace.traceId,
    url,
    summary: summary(tree, root),
    criticalPath: steps(tree, onPath, pathTotal, ref),
    errors: errors(tree, ref),
    repeated: repeated(tree, groups, ref),
    patterns: findPatterns({ tree, groups, onPath, pathTotal }),
    outline: outline(tree, groups),
    warnings: warnings.map((w) => clip(w, LIMITS.text)),
  };
}

function summary(tree: DigestTree, root: TreeSpan | undefined): TraceDigest["summary"] {
  const services = new Map<string, { name: string; spans: number; errors: number }>();
  let errorSpanCount = 0;
  let orphanCount = 0;
  for (const span of tree.spans) {
    const entry = services.get(span.service) ?? { name: span.service, spans: 0, errors: 0 };
    entry.spans++;
    if (span.error) {
      entry.errors++;
      errorSpanCount++;
    }
    if (span.orphan) orphanCount++;
    services.set(span.service, entry);
  }
  const ranked = [...services.values()].sort((a, b) => b.spans - a.spans || a.name.localeCompare(b.name));
  return {
    rootService: root?.service ?? "",
    rootOperation: root?.name ?? "",
    startTime: new Date(Math.floor(tree.start / 1000)).toISOString(),
    durationMs: toMs(tree.end - tree.start),
    spanCount: tree.spans.length,
    errorSpanCount,
    services: ranked.slice(0, LIMITS.services).map((s) => ({ ...s, name: clip(s.name, 80) })),
    servicesOmitted: Math.max(0, ranked.length - LIMITS.services),
    orphanCount,
  };
}

function steps(tree: DigestTree, onPath: ReadonlyMap<number, Micros>, total: Micros, ref: (s: TreeSpan) => DigestSpanRef): TraceDigest["criticalPath"] {
  // Map order is first-segment order, i.e. time order along the path.
  const all = [...onPath.entries()];
  // Keep the steps that hold the path up longest, but print them in path order.
  const kept = new Set(
    [...all]
      .sort((a, b) => b[1] - a[1])
      .slice(0, LIMITS.criticalSteps)
      .map(([i]) => i),
  );
  let omittedMs = 0;
  const out: CriticalStep[] = [];
  for (const [index, time] of all) {
    if (!kept.has(index)) {
      omittedMs += time;
      continue;
    }
    const span = tree.spans[index] as TreeSpan;
    out.push({
      ...ref(span),
      operation: clip(span.name, 120),
      kind: span.kind,
      durationMs: toMs(span.duration),
      selfMs: toMs(span.selfTime),
      onPathMs: toMs(time),
      atMs: toMs(span.start - tree.start),
    });
  }
  return { totalMs: toMs(total), steps: out, stepsOmitted: all.length - out.length, omittedMs: toMs(omittedMs) };
}

function errors(tree: DigestTree, ref: (s: TreeSpan) => DigestSpanRef): TraceDigest["errors"] {
  // A failed span with a failed descendant passed the failure on; one without is where it began.
  const failedBelow = new Uint8Array(tree.spans.length);
  for (const span of tree.spans) {
    if (!span.error) continue;
    const seen = new Set<number>();
    for (let at = span.parent; at >= 0 && !failedBelow[at] && !seen.has(at); at = (tree.spans[at] as TreeSpan).parent) {
      seen.add(at);
      failedBelow[at] = 1;
    }
  }
  const groups = new Map<string, DigestError>();
  const failed = tree.spans.filter((s) => s.error).sort((a, b) => a.start - b.start);
  for (const span of failed) {
    const message = clip(span.statusMessage || failureText(span), LIMITS.text);
    const key = `${span.service}\u0000${span.name}\u0000${message}`;
    const group = groups.get(key);
    if (group) {
      group.count++;
      if (group.spanIds.length < LIMITS.errorSpanIds) group.spanIds.push(span.spanId);
      continue;
    }
    const event = exceptionEvents(span.source)[0];
    const stack = event ? attribute(event.attributes, "exception.stacktrace") : "";
    groups.set(key, {
      ...ref(span),
      operation: clip(span.name, 120),
      count: 1,
      spanIds: [span.spanId],
      message,
      exception: event
        ? {
            type: clip(attribute(event.attributes, "exception.type"), 120),
            message: clip(attribute(event.attributes, "exception.message"), LIMITS.text),
            stacktrace: stack
              .split("\n")
              .map((line) => line.trim())
              .filter(Boolean)
              .slice(0, LIMITS.stackFrames + 1)
              .map((line) => clip(line, 160)),
          }
        : null,
      origin: !failedBelow[span.index],
    });
  }
  // Where failures began first, then what they caused, each in time order.
  const ranked = [...groups.values()].sort((a, b) => Number(b.origin) - Number(a.origin));
  return { groups: ranked.slice(0, LIMITS.errorGroups), groupsOmitted: Math.max(0, ranked.length - LIMITS.errorGroups) };
}

const REPEATED_MIN = 3;

function repeated(tree: DigestTree, groups: readonly SiblingGroup[], ref: (s: TreeSpan) => DigestSpanRef): TraceDigest["repeated"] {
  const big = groups.filter((g) => g.members.length >= REPEATED_MIN);
  return {
    calls: big.slice(0, LIMITS.repeatedGroups).map((g) => {
      const parent = tree.spans[g.parent];
      return {
        parent: parent ? { ...ref(parent), operation: clip(parent.name, 120) } : null,
        service: g.service,
        operation: clip(g.name, 120),
        count: g.members.length,
        minMs: toMs(g.minDuration),
        maxMs: toMs(g.maxDuration),
        totalMs: toMs(g.totalDuration),
        errors: g.errors,
        maxConcurrency: g.maxConcurrency,
      };
    }),
    omitted: Math.max(0, big.length - LIMITS.repeatedGroups),
  };
}

/**
 * The tree, depth first, with same-named siblings folded into one row that stands for the slowest
 * of them (whose children are shown below it). Stops at `outlineRows` rows.
 */
function outline(tree: DigestTree, groups: readonly SiblingGroup[]): TraceDigest["outline"] {
  const folded = new Map<number, SiblingGroup>();
  for (const group of groups) for (const m of group.members) folded.set(m, group);
  const rows: OutlineRow[] = [];
  let shown = 0;
  const stack: Array<[number, number]> = [...tree.roots].reverse().map((r): [number, number] => [r, 0]);
  const emitted = new Set<SiblingGroup>();
  while (stack.length && rows.length < LIMITS.outlineRows) {
    const [index, depth] = stack.pop() as [number, number];
    const group = folded.get(index);
    let span = tree.spans[index] as TreeSpan;
    if (group) {
      if (emitted.has(group)) continue;
      emitted.add(group);
      span = group.members.map((m) => tree.spans[m] as TreeSpan).reduce((a, b) => (b.duration > a.duration ? b : a));
    }
    shown += group ? group.members.length : 1;
    rows.push({
      depth,
      spanId: span.spanId,
      service: clip(span.service, 60),
      operation: clip(span.name, 100),
      kind: span.kind,
      durationMs: toMs(span.duration),
      selfMs: toMs(span.selfTime),
      error: span.error,
      count: group ? group.members.length : 1,
      minMs: toMs(group ? group.minDuration : span.duration),
      errors: group ? group.errors : Number(span.error),
    });
    for (let c = span.children.length - 1; c >= 0; c--) stack.push([span.children[c] as number, depth + 1]);
  }
  // A folded group's other members stand in its row, but their subtrees are not walked.
  return { rows, spansNotShown: Math.max(0, tree.spans.length - shown) };
}
