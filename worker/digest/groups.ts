/**
 * Repeated sibling calls: children of one parent with the same service, operation and kind, as one
 * group with a count and a range ("GetDriver ×10, 3.6–13.9 ms"). The digest prints groups instead
 * of their members, and the patterns (N+1, fan-out, retries) read them.
 */
import type { Micros } from "../model/time";
import { attribute, type DigestTree, type TreeSpan } from "./tree";

export interface SiblingGroup {
  parent: number;
  service: string;
  name: string;
  kind: TreeSpan["kind"];
  /** Member indexes by start time. */
  members: number[];
  minDuration: Micros;
  maxDuration: Micros;
  totalDuration: Micros;
  errors: number;
  /** Most members running at the same moment: 1 means one after another. */
  maxConcurrency: number;
  /** First member's start to last member's end. */
  span: Micros;
  /** Distinct call keys (statement, URL…) among the members; 0 when none has one. */
  distinctKeys: number;
}

/** Attributes that say what a call asked for, most specific first: two calls with the same one repeat a request. */
const CALL_KEYS = ["db.statement", "db.query.text", "url.full", "http.url", "http.target", "url.path", "rpc.method", "messaging.destination.name"];

/** What a call asked for ("" when it does not say): retries repeat it, N+1 loops vary it. */
export function callKey(span: TreeSpan): string {
  for (const key of CALL_KEYS) {
    const value = attribute(span.source.attributes, key);
    if (value) {
      // A URL's query often carries the item (N+1) or a nonce; keep it, it is part of the request.
      const query = key === "url.path" ? attribute(span.source.attributes, "url.query") : "";
      return query ? `${value}?${query}` : value;
    }
  }
  return "";
}

/** Groups of `min` or more same-named siblings, largest first; each span is in at most one group. */
export function siblingGroups(tree: DigestTree, min = 2): SiblingGroup[] {
  const groups: SiblingGroup[] = [];
  const collect = (parent: number, children: readonly number[]) => {
    const byKey = new Map<string, number[]>();
    for (const c of children) {
      const span = tree.spans[c] as TreeSpan;
      const key = `${span.service}\u0000${span.name}\u0000${span.kind}`;
      const list = byKey.get(key);
      if (list) list.push(c);
      else byKey.set(key, [c]);
    }
    for (const members of byKey.values()) if (members.length >= min) groups.push(describe(tree, parent, members));
  };
  for (const span of tree.spans) if (span.children.length >= min) collect(span.index, span.children);
  // Orphans and roots that share a name are siblings too (e.g. spans whose parent never arrived).
  if (tree.roots.length >= min) collect(-1, tree.roots);
  return groups.sort((a, b) => b.members.length - a.members.length || b.totalDuration - a.totalDuration);
}

function describe(tree: DigestTree, parent: number, members: number[]): SiblingGroup {
  const spans = members.map((m) => tree.spans[m] as TreeSpan);
  let min = Infinity;
  let max = 0;
  let total = 0;
  let errors = 0;
  let first = Infinity;
  let last = -Infinity;
  const keys = new Set<string>();
  for (const span of spans) {
    min = Math.min(min, span.duration);
    max = Math.max(max, span.duration);
    total += span.duration;
    if (span.error) errors++;
    first = Math.min(first, span.start);
    last = Math.max(last, span.end);
    const key = callKey(span);
    if (key) keys.add(key);
  }
  const first0 = spans[0] as TreeSpan;
  return {
    parent,
    service: first0.service,
    name: first0.name,
    kind: first0.kind,
    members,
    minDuration: min as Micros,
    maxDuration: max as Micros,
    totalDuration: total as Micros,
    errors,
    maxConcurrency: concurrency(spans),
    span: (last - first) as Micros,
    distinctKeys: keys.size,
  };
}

/** The most intervals open at once; one ending exactly when the next starts does not overlap it. */
function concurrency(spans: readonly TreeSpan[]): number {
  const edges: Array<[number, number]> = [];
  for (const s of spans) edges.push([s.start, 1], [s.end, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, delta] of edges) {
    open += delta;
    most = Math.max(most, open);
  }
  return Math.max(1, most);
}
