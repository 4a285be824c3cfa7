/**
 * Judges a trace by its index entry alone: `no` (no span of it can match — skip it), `yes` (some
 * span matches for sure — no need to read it to decide), or `maybe` (read it and check its spans).
 *
 * Every rule is a necessary condition on ONE span, so `no` is never wrong: the span that would
 * match has its operation in the trace's operation list, a duration within that operation's
 * [shortest, longest], a start within the trace's time range, and each tag's term in the trace's
 * filter or resources.
 */
import { bloomHas } from "../trace-index/bloom";
import type { Nanos } from "./duration";
import type { IndexedBlock, IndexedTrace } from "../trace-index/search-entry";
import { errorTerm, GENAI_USAGE_TERM, kindTerm, scopeNameTerm, scopeVersionTerm, statusTerm, termHash } from "../trace-index/terms";
import type { SearchQuery, TagCondition } from "./search-query";

export const Verdict = { no: 0, maybe: 1, yes: 2 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface QueryPlan {
  query: SearchQuery;
  terms: Array<{ term: number; place: TermPlace }>;
  /** A condition that no span meets (e.g. `error=maybe`): nothing matches. */
  impossible: boolean;
  /** The `error` tag's value, if the search has one. */
  error: boolean | undefined;
}

export function planQuery(query: SearchQuery): QueryPlan {
  const terms: QueryPlan["terms"] = [];
  let impossible = false;
  let error: boolean | undefined;
  for (const condition of query.tags) {
    const term = conditionTerm(condition);
    if (term) terms.push(term);
    else impossible = true;
    if (condition.kind === "error" && condition.value !== null) error = condition.value;
  }
  // GenAI conditions are necessary terms too: the model's and agent's attributes, and the marker a
  // trace gets when a span reports tokens (terms.ts). Their exact check needs the trace read, which
  // a term condition already implies (judge answers at most `maybe`).
  const genai = query.genai;
  if (genai) {
    if (genai.model) terms.push({ term: termHash("gen_ai.request.model", genai.model), place: "anywhere" });
    if (genai.agent) terms.push({ term: termHash("gen_ai.agent.name", genai.agent), place: "anywhere" });
    if (genai.minTokens !== null || genai.minCostUsd !== null) terms.push({ term: GENAI_USAGE_TERM, place: "span" });
  }
  return { query, terms, impossible, error };
}

/** Whether a span of `us` µs (truncated: really [us, us + 1) µs) surely lies within the bounds. */
function surelyWithin(us: number, min: Nanos | null, max: Nanos | null): boolean {
  return (min === null || us * 1000 >= min) && (max === null || us * 1000 + 999 <= max);
}

export function judge(block: IndexedBlock, trace: IndexedTrace, plan: QueryPlan): Verdict {
  const { query } = plan;
  if (plan.impossible) return Verdict.no;
  const traceEnd = trace.startUs + trace.durationUs;
  if (trace.startUs > query.endUs || traceEnd < query.startUs) return Verdict.no;
  if (!trace.exact) return Verdict.maybe;

  // `error` is answered by the operations' failure flags; any other tag needs the filters (and a read).
  // Tags and GenAI conditions each add a term (an impossible tag returned above).
  const otherTags = plan.terms.length - (plan.error === undefined ? 0 : 1);
  const bounded = query.durationMin !== null || query.durationMax !== null;
  let possible = false;
  let certain = false;
  for (let i = 0; i + 2 < trace.ops.length; i += 3) {
    const ref = trace.ops[i] as number;
    const minUs = trace.ops[i + 1] as number;
    const maxUs = trace.ops[i + 2] as number;
    const op = block.operations[ref < 0 ? -ref - 1 : ref];
    if (!op) continue;
    if (query.service && op.service !== query.service) continue;
    if (query.operation && op.name !== query.operation) continue;
    if (query.durationMin !== null && maxUs * 1000 + 999 < query.durationMin) continue;
    if (query.durationMax !== null && minUs * 1000 > query.durationMax) continue;
    if (plan.error === true && ref >= 0) continue;
    possible = true;
    if (plan.error === undefined) {
      certain ||= surelyWithin(maxUs, query.durationMin, query.durationMax) || surelyWithin(minUs, query.durationMin, query.durationMax);
    } else if (!bounded) {
      // A failed operation has a failed span; one that never failed has only spans that did not.
      certain ||= plan.error === ref < 0;
    }
  }
  if (!possible) return Verdict.no;
  if (otherTags > 0) return hasAllTerms(block, trace, plan) ? Verdict.maybe : Verdict.no;
  const inside = trace.startUs >= query.startUs && traceEnd <= query.endUs;
  return inside && certain ? Verdict.yes : Verdict.maybe;
}

/** False only when a term is surely absent; unloaded or missing filters cannot rule anything out. */
function hasAllTerms(block: IndexedBlock, trace: IndexedTrace, plan: QueryPlan): boolean {
  if (!block.termsLoaded || !block.hasTerms || !trace.bloom) return true;
  const bloom = trace.bloom;
  for (const { term, place } of plan.terms) {
    const inSpans = place !== "resource" && bloomHas(bloom, term);
    if (inSpans) continue;
    const inResources = place !== "span" && trace.resources.some((r) => block.resources[r]?.has(term));
    if (!inResources) return false;
  }
  return true;
}

/** Where a condition's term may be found. */
export type TermPlace = "anywhere" | "resource" | "span";

/**
 * The term a condition needs and where, or null when it matches nothing at all (an `error` value
 * that is not a boolean).
 */
export function conditionTerm(condition: TagCondition): { term: number; place: TermPlace } | null {
  switch (condition.kind) {
    case "attribute":
      return { term: termHash(condition.key, condition.value), place: "anywhere" };
    case "resource":
      return { term: termHash(condition.key, condition.value), place: "resource" };
    case "error":
      return condition.value === null ? null : { term: errorTerm(condition.value), place: "span" };
    case "spanKind":
      return { term: kindTerm(condition.value), place: "span" };
    case "status":
      return { term: statusTerm(condition.value), place: "span" };
    case "scopeName":
      return { term: scopeNameTerm(condition.value), place: "span" };
    case "scopeVersion":
      return { term: scopeVersionTerm(condition.value), place: "span" };
  }
}
