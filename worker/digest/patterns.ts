/**
 * Named patterns, each with the evidence that shows it, so a reader (or a model) can check the
 * claim against the trace rather than trust it:
 *
 * - retries / retry storm: a call failed and the same call (same statement, URL or method) was
 *   made again by the same parent; a storm when one call is attempted 3 times or more, or 5
 *   retries happen in the trace.
 * - N+1 calls: one parent makes 5 or more same-named calls one after another (never overlapping),
 *   each asking for something different: a loop issuing a call per item.
 * - fan-out: one parent makes 5 or more same-named calls with some running at the same time.
 * - timeout cascade: a timeout error whose ancestor also failed with a timeout: the wait that
 *   expired below made the callers above give up too.
 * - one slow dependency: one downstream (a database, a service) holds 35% or more of the critical
 *   path; of several such, the one with the longest single call.
 *
 * Thresholds are deliberately simple and stated, so the evidence line is the whole argument.
 */
import type { Micros } from "../model/time";
import { clip, ms, msRange, percent, plural } from "./format";
import { callKey, type SiblingGroup } from "./groups";
import { attribute, exceptionEvents, type DigestTree, type TreeSpan } from "./tree";

export type PatternKind = "retry-storm" | "retries" | "n-plus-one" | "fan-out" | "timeout-cascade" | "slow-dependency";

export interface Pattern {
  kind: PatternKind;
  title: string;
  evidence: string;
  /** The spans that show it (a few, not all). */
  spanIds: string[];
}

export const N_PLUS_ONE_MIN = 5;
export const FAN_OUT_MIN = 5;
export const STORM_ATTEMPTS = 3;
export const STORM_RETRIES = 5;
export const SLOW_DEPENDENCY_SHARE = 0.35;
const MAX_EVIDENCE_SPANS = 5;
/** Each kind names at most this many instances: a 10,000-span trace can hold hundreds. */
const MAX_PER_KIND = 3;

export interface PatternInput {
  tree: DigestTree;
  groups: readonly SiblingGroup[];
  /** Time each span spends on the critical path. */
  onPath: ReadonlyMap<number, Micros>;
  pathTotal: Micros;
}

export function findPatterns(input: PatternInput): Pattern[] {
  return [...retries(input), ...loopsAndFanOuts(input), ...timeoutCascades(input), ...slowDependency(input)];
}

/** "GetDriver (driver)" */
function label(span: { name: string; service: string }): string {
  return `${span.name} (${span.service})`;
}

/** What a failed span says went wrong: its exception, else its status message. */
export function failureText(span: TreeSpan): string {
  const exception = exceptionEvents(span.source)[0];
  if (exception) {
    const type = attribute(exception.attributes, "exception.type");
    const message = attribute(exception.attributes, "exception.message");
    return [type, message].filter(Boolean).join(": ") || span.statusMessage;
  }
  return span.statusMessage || attribute(span.source.attributes, "error.type") || "error";
}

function retries({ tree, groups }: PatternInput): Pattern[] {
  interface Retried {
    group: SiblingGroup;
    retries: number;
    /** Most attempts of one call. */
    attempts: number;
    failed: TreeSpan[];
  }
  const found: Retried[] = [];
  for (const group of groups) {
    if (group.errors === 0) continue;
    const attemptsByKey = new Map<string, number>();
    const failedBefore = new Map<string, TreeSpan>();
    let retried = 0;
    const failed: TreeSpan[] = [];
    for (const m of group.members) {
      const span = tree.spans[m] as TreeSpan;
      // Without a call key, any later call of the same name after a failure counts as its retry.
      const key = callKey(span);
      const earlier = failedBefore.get(key);
      if (earlier && span.start >= earlier.end) {
        retried++;
        failed.push(earlier);
        failedBefore.delete(key);
      }
      attemptsByKey.set(key, (attemptsByKey.get(key) ?? 0) + 1);
      if (span.error) failedBefore.set(key, span);
    }
    if (retried) found.push({ group, retries: retried, attempts: Math.max(...attemptsByKey.values()), failed });
  }
  if (!found.length) return [];
  const total = found.reduce((n, r) => n + r.retries, 0);
  const storm = total >= STORM_RETRIES || found.some((r) => r.attempts >= STORM_ATTEMPTS);
  found.sort((a, b) => b.retries - a.retries);
  return found.slice(0, MAX_PER_KIND).map(({ group, retries: n, attempts, failed }) => {
    const parent = tree.spans[group.parent];
    const reasons = [...new Set(failed.map(failureText))].slice(0, 2).map((r) => clip(r, 120));
    const parentNote = parent ? ` from ${label(parent)}` : "";
    const retryEvents = parent ? parent.source.events.filter((e) => /retr(y|ies|ying)/i.test(e.name)).length : 0;
    return {
      kind: storm ? "retry-storm" : "retries",
      title: `${storm ? "Retry storm" : "Retries"}: ${group.name} (${group.service}) retried ${plural(n, "time")}`,
      evidence:
        `${plural(group.members.length, "call")} of ${group.name}${parentNote}, ${group.errors} failed (${reasons.join("; ")}) and the same call was made again ${plural(n, "time")}` +
        `${attempts > 1 ? `, up to ${attempts} attempts of one call` : ""}` +
        `${retryEvents ? `; the caller logged ${plural(retryEvents, "retry event")}` : ""}` +
        `${found.length > 1 ? `; ${plural(total, "retry", "retries")} in the trace in all` : ""}.`,
      spanIds: failed.slice(0, MAX_EVIDENCE_SPANS).map((s) => s.spanId),
    };
  });
}

function loopsAndFanOuts({ tree, groups }: PatternInput): Pattern[] {
  const loops: Pattern[] = [];
  const fans: Pattern[] = [];
  for (const group of groups) {
    const parent = tree.spans[group.parent];
    if (!parent) continue;
    const count = group.members.length;
    const ids = group.members.slice(0, MAX_EVIDENCE_SPANS).map((m) => (tree.spans[m] as TreeSpan).spanId);
    const range = msRange(group.minDuration, group.maxDuration);
    if (count >= N_PLUS_ONE_MIN && group.maxConcurrency === 1 && (group.distinctKeys === 0 || group.distinctKeys >= count / 2)) {
      loops.push({
        kind: "n-plus-one",
        title: `N+1 calls: ${label(parent)} calls ${group.name} ${count}× one after another`,
        evidence:
          `${count} sequential ${group.name} calls (${group.service}${group.kind ? `, ${group.kind}` : ""}), ${range} each, ${ms(group.totalDuration)} in all` +
          ` = ${percent(group.totalDuration, parent.duration)} of ${label(parent)}'s ${ms(parent.duration)}` +
          `${group.distinctKeys > 1 ? `; ${group.distinctKeys} different requests (one per item): a batched call would make one round trip` : ""}.`,
        spanIds: ids,
      });
    } else if (count >= FAN_OUT_MIN && group.maxConcurrency >= 2) {
      fans.push({
        kind: "fan-out",
        title: `Fan-out: ${label(parent)} makes ${count} ${group.name} calls, up to ${group.maxConcurrency} at once`,
        evidence: `${count} ${group.name} calls (${group.service}), ${range} each, ${ms(group.totalDuration)} of work done in ${ms(group.span)} of wall time with at most ${group.maxConcurrency} running together.`,
        spanIds: ids,
      });
    }
  }
  return [...loops.slice(0, MAX_PER_KIND), ...fans.slice(0, MAX_PER_KIND)];
}

const TIMEOUT_TEXT = /time[ds]?[ _-]?out|deadline|DEADLINE_EXCEEDED/i;

function isTimeout(span: TreeSpan): boolean {
  if (!span.error) return false;
  if (TIMEOUT_TEXT.test(failureText(span)) || TIMEOUT_TEXT.test(span.statusMessage)) return true;
  const status = attribute(span.source.attributes, "http.response.status_code") || attribute(span.source.attributes, "http.status_code");
  // 504 Gateway Timeout, 408 Request Timeout; gRPC code 4 is DEADLINE_EXCEEDED.
  return status === "504" || status === "408" || attribute(span.source.attributes, "rpc.grpc.status_code") === "4";
}

function timeoutCascades({ tree }: PatternInput): Pattern[] {
  const timeouts = tree.spans.filter(isTimeout);
  if (timeouts.length < 2) return [];
  const timedOut = new Set(timeouts.map((s) => s.index));
  // Chain length below each timeout, counting timeouts only; the deepest first.
  const chains: TreeSpan[][] = [];
  const covered = new Set<number>();
  const depths = depthsOf(tree);
  const deepestFirst = [...timeouts].sort((a, b) => (depths[b.index] as number) - (depths[a.index] as number));
  for (const span of deepestFirst) {
    if (covered.has(span.index)) continue;
    const chain = [span];
    for (let at = span.parent; at >= 0; at = (tree.spans[at] as TreeSpan).parent) {
      if (timedOut.has(at)) {
        chain.push(tree.spans[at] as TreeSpan);
        covered.add(at);
      }
    }
    if (chain.length >= 2) chains.push(chain);
  }
  chains.sort((a, b) => b.length - a.length);
  return chains.slice(0, MAX_PER_KIND).map((chain) => {
    const [first] = chain as [TreeSpan];
    const top = chain[chain.length - 1] as TreeSpan;
    return {
      kind: "timeout-cascade",
      title: `Timeout cascade: ${label(first)} timed out and ${chain.length - 1} caller${chain.length > 2 ? "s" : ""} above it timed out too`,
      evidence: chain.map((s) => `${label(s)} after ${ms(s.duration)}: ${clip(failureText(s), 80)}`).join(" → ") + ` (up to ${label(top)}).`,
      spanIds: chain.slice(0, MAX_EVIDENCE_SPANS).map((s) => s.spanId),
    };
  });
}

/** Every span's depth, each computed once from its parent's (a 10,000-deep chain stays linear). */
function depthsOf(tree: DigestTree): Int32Array {
  const depths = new Int32Array(tree.spans.length).fill(-1);
  for (const span of tree.spans) {
    const chain: number[] = [];
    let at = span.index;
    while (at >= 0 && depths[at] === -1) {
      chain.push(at);
      at = (tree.spans[at] as TreeSpan).parent;
    }
    let d = at >= 0 ? (depths[at] as number) : -1;
    for (let i = chain.length - 1; i >= 0; i--) depths[chain[i] as number] = ++d;
  }
  return depths;
}

/**
 * Who a span's time belongs to: a leaf CLIENT or PRODUCER span waits on what it called (the
 * database, cache or service it names), anything else on its own service.
 */
export function dependencyOf(span: TreeSpan): string {
  if ((span.kind === "client" || span.kind === "producer") && span.children.length === 0) {
    const a = span.source.attributes;
    return attribute(a, "peer.service") || attribute(a, "db.system.name") || attribute(a, "db.system") || attribute(a, "messaging.system") || attribute(a, "server.address") || span.service;
  }
  return span.service;
}

function slowDependency({ tree, onPath, pathTotal }: PatternInput): Pattern[] {
  if (pathTotal <= 0) return [];
  const byDependency = new Map<string, { time: number; spans: Array<[TreeSpan, number]> }>();
  for (const [index, time] of onPath) {
    const span = tree.spans[index] as TreeSpan;
    const dependency = dependencyOf(span);
    const entry = byDependency.get(dependency) ?? { time: 0, spans: [] };
    entry.time += time;
    entry.spans.push([span, time]);
    byDependency.set(dependency, entry);
  }
  // Of the dependencies holding a large share, the one with the longest single call: one slow
  // query stands out more than two ordinary LLM calls that together hold a little more.
  const byTime = [...byDependency.entries()].sort((a, b) => b[1].time - a[1].time);
  const longest = (entry: { spans: Array<[TreeSpan, number]> }) => Math.max(...entry.spans.map(([, t]) => t));
  const root = tree.spans[tree.roots[0] ?? -1];
  // The trace's own entry service waiting on itself is not a "dependency".
  const ownWork = (name: string, entry: { spans: Array<[TreeSpan, number]> }) => root !== undefined && name === root.service && entry.spans.every(([s]) => s.service === root.service);
  const candidates = byTime.filter(([name, entry]) => entry.time >= pathTotal * SLOW_DEPENDENCY_SHARE && !ownWork(name, entry));
  const top = candidates.sort((a, b) => longest(b[1]) - longest(a[1]))[0];
  if (!top) return [];
  const second = byTime.find(([name]) => name !== top[0]);
  const [name, { time, spans }] = top;
  spans.sort((a, b) => b[1] - a[1]);
  const [slowest] = spans[0] as [TreeSpan, number];
  const statement = attribute(slowest.source.attributes, "db.query.text") || attribute(slowest.source.attributes, "db.statement");
  const events = slowest.source.events.filter((e) => e.name !== "exception").slice(0, 2).map((e) => `"${clip(e.name, 80)}"`);
  return [
    {
      kind: "slow-dependency",
      title: `One slow dependency: ${name} holds ${percent(time, pathTotal)} of the critical path`,
      evidence:
        `${name} accounts for ${ms(time)} of the ${ms(pathTotal)} critical path${second ? ` (next: ${second[0]}, ${ms(second[1].time)})` : ""}; ` +
        `slowest: ${label(slowest)} ${ms(slowest.duration)}${statement ? `, ${clip(statement, 100)}` : ""}${events.length ? `; its events: ${events.join(", ")}` : ""}.`,
      spanIds: spans.slice(0, MAX_EVIDENCE_SPANS).map(([s]) => s.spanId),
    },
  ];
}
