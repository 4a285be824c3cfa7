/**
 * Find-in-trace. A query is whitespace-separated terms that must all match one span (quote a term
 * to keep its spaces: `"GET /route"`):
 *
 *   route            text anywhere: operation, service, span id, tag keys and values, process
 *                    tags, log fields (case-insensitive substring)
 *   http.status_code=500   operation="GET /route"
 *                    a tag (span, process or log field) whose key is exactly that and whose value
 *                    is exactly that, ignoring case; also the fields service=, operation= (op=),
 *                    span= (span id), kind=, status= and error=true
 *   >10ms  <500us    duration longer / shorter than (units: us µs ms s m)
 *   -term            the span must not match the term
 *
 * This is Jaeger UI's search-box language (plain text and key=value) plus duration bounds and
 * negation, which are what people reach for when a trace has thousands of spans.
 */
import type { JaegerKeyValue } from "../../../../../worker/jaeger/v1-types";
import type { ViewSpan, ViewTrace } from "./types";

export type FindTerm =
  | { type: "text"; text: string; negate: boolean }
  | { type: "tag"; key: string; value: string; negate: boolean }
  | { type: "duration"; op: ">" | "<"; micros: number; negate: boolean };

const UNITS: Record<string, number> = { us: 1, µs: 1, μs: 1, ms: 1_000, s: 1_000_000, m: 60_000_000 };

export function parseFindQuery(query: string): FindTerm[] {
  const terms: FindTerm[] = [];
  // -? then key="quoted value" | "quoted text" | bare word.
  for (const match of query.matchAll(/(-?)(?:([^\s"=]+)="([^"]*)"?|"([^"]*)"?|(\S+))/g)) {
    const negate = match[1] === "-";
    if (match[2] !== undefined) {
      terms.push({ type: "tag", key: match[2].toLowerCase(), value: (match[3] ?? "").toLowerCase(), negate });
      continue;
    }
    // A quoted term is always text: `"a=b"` looks for that text.
    if (match[4] !== undefined) {
      if (match[4].trim()) terms.push({ type: "text", text: match[4].trim().toLowerCase(), negate });
      continue;
    }
    const raw = match[5] ?? "";
    const duration = /^([<>])(\d+(?:\.\d+)?)(us|µs|μs|ms|s|m)?$/.exec(raw);
    if (duration) {
      terms.push({ type: "duration", op: duration[1] as ">" | "<", micros: Number(duration[2]) * (UNITS[duration[3] ?? "ms"] ?? 1), negate });
      continue;
    }
    const eq = raw.indexOf("=");
    if (eq > 0) terms.push({ type: "tag", key: raw.slice(0, eq).toLowerCase(), value: raw.slice(eq + 1).toLowerCase(), negate });
    else if (raw !== "-") terms.push({ type: "text", text: raw.toLowerCase(), negate });
  }
  return terms;
}

/** A find term for "spans like this one": its service and operation, quoted as needed. */
export function sameOperationQuery(service: string, operation: string): string {
  const quote = (v: string) => (/[\s"]/.test(v) ? `"${v.replace(/"/g, "")}"` : v);
  return `service=${quote(service)} operation=${quote(operation)}`;
}

const haystacks = new WeakMap<ViewTrace, string[]>();

/** One lower-cased string of everything plain text can match, built once per trace on first search. */
function haystackOf(trace: ViewTrace, span: ViewSpan): string {
  let all = haystacks.get(trace);
  if (!all) haystacks.set(trace, (all = new Array<string>(trace.spans.length)));
  let text = all[span.index];
  if (text === undefined) {
    const parts = [span.operation, span.service, span.spanId, span.kind, span.statusMessage, span.scopeName];
    const add = (kv: JaegerKeyValue) => parts.push(`${kv.key}=${String(kv.value)}`);
    span.tags.forEach(add);
    span.processTags.forEach(add);
    for (const log of span.logs) log.fields.forEach(add);
    // Newlines keep a term from matching across two fields.
    text = all[span.index] = parts.join("\n").toLowerCase();
  }
  return text;
}

function tagMatches(span: ViewSpan, key: string, value: string): boolean {
  switch (key) {
    case "service":
      return span.service.toLowerCase() === value;
    case "operation":
    case "op":
    case "name":
      return span.operation.toLowerCase() === value;
    case "span":
    case "spanid":
    case "span.id":
      return span.spanId.toLowerCase() === value;
    case "kind":
      if (span.kind === value) return true;
      break;
    case "status":
      if (span.status.toLowerCase() === value) return true;
      break;
    case "error":
      return String(span.error) === value;
  }
  const hit = (kv: JaegerKeyValue) => kv.key.toLowerCase() === key && String(kv.value).toLowerCase() === value;
  return span.tags.some(hit) || span.processTags.some(hit) || span.logs.some((log) => log.fields.some(hit));
}

function termMatches(trace: ViewTrace, span: ViewSpan, term: FindTerm): boolean {
  switch (term.type) {
    case "text":
      return haystackOf(trace, span).includes(term.text);
    case "tag":
      return tagMatches(span, term.key, term.value);
    case "duration":
      return term.op === ">" ? span.duration > term.micros : span.duration < term.micros;
  }
}

/** Indexes of the spans matching `query`, in timeline order; null for a blank query (no search). */
export function findSpans(trace: ViewTrace, query: string): Int32Array | null {
  const terms = parseFindQuery(query);
  if (!terms.length) return null;
  const out: number[] = [];
  for (const span of trace.spans) {
    if (terms.every((term) => termMatches(trace, span, term) !== term.negate)) out.push(span.index);
  }
  return Int32Array.from(out);
}

/** The match to go to from `current` (a span index or −1), wrapping at either end. */
export function stepMatch(matches: Int32Array, current: number, direction: 1 | -1): number {
  if (!matches.length) return -1;
  if (direction === 1) {
    for (const m of matches) if (m > current) return m;
    return matches[0] as number;
  }
  for (let i = matches.length - 1; i >= 0; i--) if ((matches[i] as number) < current) return matches[i] as number;
  return matches[matches.length - 1] as number;
}
