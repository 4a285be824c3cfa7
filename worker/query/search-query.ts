/**
 * One trace search, whichever API asked: Jaeger v1 `/api/traces`, v3 `/api/v3/traces` and
 * `/api/v3/trace-summaries` all parse into this. Every condition must hold on the SAME span
 * (Jaeger's semantics): a trace matches when one of its spans has the service, the operation, a
 * start in the window, a duration within the bounds and every tag.
 */
import type { SpanKind, StatusCode } from "../model/span";
import { micros, type Micros } from "../model/time";
import type { Nanos } from "./duration";
import type { ModelPrice } from "../model/model-prices";

export type TagCondition =
  /** An attribute of the span, its scope, its resource, one of its events or links; compared as a string. */
  | { kind: "attribute"; key: string; value: string }
  /** `resource.<key>`: the resource's attribute only (Jaeger v2's prefix). */
  | { kind: "resource"; key: string; value: string }
  /** `error`: the span's status is (or is not) ERROR. Null: a value that is not a boolean, which matches nothing. */
  | { kind: "error"; value: boolean | null }
  | { kind: "spanKind"; value: SpanKind }
  | { kind: "status"; value: StatusCode }
  | { kind: "scopeName"; value: string }
  | { kind: "scopeVersion"; value: string };

export interface SearchQuery {
  /** Empty: any service (Jaeger requires one; we search across all). */
  service: string;
  operation: string;
  tags: TagCondition[];
  /** A matching span starts within [startUs, endUs], inclusive. */
  startUs: Micros;
  endUs: Micros;
  /** A matching span lasts at least/at most this long; null for no bound. */
  durationMin: Nanos | null;
  durationMax: Nanos | null;
  /** How many traces to return, newest first. */
  limit: number;
  /** Conditions on the trace's AI agent steps as a whole (the app's search; Jaeger's APIs have none). */
  genai?: GenAiFilter;
}

/**
 * Trace-level GenAI conditions, unlike tags not tied to one span: the trace called this model
 * (`gen_ai.request.model`), ran this agent (`gen_ai.agent.name`), used at least this many tokens,
 * cost at least this much at the tenant's prices (worker/model/genai.ts counts and prices them).
 */
export interface GenAiFilter {
  model: string;
  agent: string;
  minTokens: number | null;
  minCostUsd: number | null;
  /** The tenant's price table; needed when `minCostUsd` is set. */
  prices: readonly ModelPrice[];
}

/** Jaeger's server-side default when `limit` is absent. */
export const DEFAULT_LIMIT = 100;
/** Jaeger UI offers at most 1,500; more would read that many traces for one page. */
export const MAX_LIMIT = 1_500;
/** Jaeger's default lookback when a search gives no start (`--query.lookback`… 2 days). */
export const DEFAULT_LOOKBACK_US = 2 * 86_400 * 1_000_000;

/**
 * Tag conditions one search may have. Each adds terms to the index lookup and, in the shards'
 * SQL, to one statement: 100 passed D1's 100 KB statement limit (a 500). Jaeger UI sends a few.
 */
export const MAX_TAG_CONDITIONS = 32;
/** `traceID`s one v1 request may fetch: each is a read of its shard, all in parallel. */
export const MAX_TRACE_IDS = 1_000;

/** Nothing older is stored: blocks expire a retention period (and at most an hour more) after arrival. */
const RETENTION_SLACK_US = 3_600 * 1_000_000;

/**
 * The query with its window clamped to what the tenant keeps: a search from `start=0` would
 * otherwise plan over all history. A window wholly before retention becomes empty (it ends before
 * it starts), so it finds nothing rather than failing.
 */
export function withinRetention(query: SearchQuery, retentionDays: number, nowUs: Micros): SearchQuery {
  const oldestUs = nowUs - retentionDays * 86_400 * 1_000_000 - RETENTION_SLACK_US;
  if (query.startUs >= oldestUs) return query;
  return { ...query, startUs: micros(oldestUs), endUs: micros(Math.max(query.endUs, oldestUs - 1)) };
}
