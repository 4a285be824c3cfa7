/**
 * Which of a service's spans the Monitor counts, as it lives in the URL (`?kinds=client,producer`;
 * the default is left out). By default a service's load is what it answered: its server and
 * consumer spans, as the metrics route counts when asked nothing else — a service that only
 * consumes messages still has a rate. Client and producer spans are the calls it made; internal
 * spans its own work. Counting several kinds at once adds them up (a request a service answered
 * and the call it made for it are two calls), which the toggle lets a reader choose knowingly.
 */
import type { SpanKindName } from "./api";

export const SPAN_KINDS: ReadonlyArray<{ value: SpanKindName; label: string; hint: string }> = [
  { value: "server", label: "Server", hint: "Requests it answered" },
  { value: "consumer", label: "Consumer", hint: "Messages it consumed" },
  { value: "client", label: "Client", hint: "Calls it made" },
  { value: "producer", label: "Producer", hint: "Messages it sent" },
  { value: "internal", label: "Internal", hint: "Work inside the service" },
];

export const ALL_KINDS: readonly SpanKindName[] = SPAN_KINDS.map((k) => k.value);
export const DEFAULT_KINDS: readonly SpanKindName[] = ["server", "consumer"];
export const KINDS_PARAM = "kinds";

const inOrder = (kinds: Iterable<SpanKindName>) => {
  const set = new Set(kinds);
  return ALL_KINDS.filter((k) => set.has(k));
};

const same = (a: readonly SpanKindName[], b: readonly SpanKindName[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/** The kinds a URL asks for, in one fixed order; none known (absent, a typo) is the default. */
export function readKinds(params: Pick<URLSearchParams, "get">): SpanKindName[] {
  const asked = (params.get(KINDS_PARAM) ?? "").split(",").map((k) => k.trim().toLowerCase());
  const known = inOrder(ALL_KINDS.filter((k) => asked.includes(k)));
  return known.length ? known : [...DEFAULT_KINDS];
}

/** `params` with `kinds` set (removed for the default); the rest kept as is. */
export function withKinds(params: Pick<URLSearchParams, "toString">, kinds: readonly SpanKindName[]): URLSearchParams {
  const next = new URLSearchParams(params.toString());
  const ordered = inOrder(kinds);
  if (ordered.length === 0 || same(ordered, inOrder(DEFAULT_KINDS))) next.delete(KINDS_PARAM);
  else next.set(KINDS_PARAM, ordered.join(","));
  return next;
}

/** `kinds` with `kind` switched on or off — never off when it is the only one left (an empty selection counts nothing). */
export function toggleKind(kinds: readonly SpanKindName[], kind: SpanKindName): SpanKindName[] {
  if (!kinds.includes(kind)) return inOrder([...kinds, kind]);
  return kinds.length === 1 ? [...kinds] : inOrder(kinds.filter((k) => k !== kind));
}

export const isAll = (kinds: readonly SpanKindName[]) => ALL_KINDS.every((k) => kinds.includes(k));

/** "server and consumer", "client", "all" — for sentences such as the empty state's. */
export function describeKinds(kinds: readonly SpanKindName[]): string {
  if (isAll(kinds)) return "any";
  const ordered = inOrder(kinds);
  if (ordered.length <= 1) return ordered.join("");
  return `${ordered.slice(0, -1).join(", ")} or ${ordered[ordered.length - 1]}`;
}
