/**
 * The search as it lives in the URL, so a search can be shared and survives reload and back:
 *
 *   /search?service=frontend&operation=GET%20%2Fdispatch&tags=error%3Dtrue&lookback=1h
 *          &minDuration=100ms&maxDuration=2s&limit=20
 *   /search?service=frontend&lookback=custom&start=<µs>&end=<µs>
 *
 * Tags stay logfmt (readable in a link); times are µs since the epoch (zone-free); a lookback
 * stays relative, so "last hour" means the last hour whenever the link is opened.
 *
 * Three shapes: `SearchQuery` (the URL), `SearchForm` (what the inputs hold: local date-times)
 * and the Jaeger API's parameters (`apiParams`).
 */
import type { Micros } from "$model/time";
import { parseGoDuration } from "../format/duration";
import { fromLocalInput, toLocalInput } from "../format/time";
import { parseLogfmt } from "./logfmt";

export const CUSTOM = "custom";

export const LOOKBACKS: ReadonlyArray<{ value: string; label: string }> = [
  { value: "5m", label: "Last 5 minutes" },
  { value: "15m", label: "Last 15 minutes" },
  { value: "1h", label: "Last hour" },
  { value: "6h", label: "Last 6 hours" },
  { value: "12h", label: "Last 12 hours" },
  { value: "24h", label: "Last 24 hours" },
  { value: "2d", label: "Last 2 days" },
  { value: "7d", label: "Last 7 days" },
  { value: CUSTOM, label: "Custom range" },
];

export const DEFAULT_LOOKBACK = "1h";
export const DEFAULT_LIMIT = 20;
/** Jaeger UI's ceiling: more results than this are unreadable in a list anyway. */
export const MAX_LIMIT = 1500;

export interface SearchQuery {
  /** "" means every service (Jaeger requires one; edgetrace searches across all). */
  service: string;
  /** "" means every operation. */
  operation: string;
  /** logfmt, as typed. */
  tags: string;
  /** A lookback like "1h" or "2d", or "custom" for start…end. */
  lookback: string;
  start: Micros | null;
  end: Micros | null;
  /** Go durations, as typed ("" = no bound). */
  minDuration: string;
  maxDuration: string;
  limit: number;
  /** AI traces: a model (`gen_ai.request.model`), an agent (`gen_ai.agent.name`), at least so many tokens or dollars, as typed ("" = any). */
  model: string;
  agent: string;
  minTokens: string;
  minCost: string;
}

/** What the form's inputs hold: the same as SearchQuery, with local date-times for the range. */
export interface SearchForm extends Omit<SearchQuery, "start" | "end"> {
  start: string;
  end: string;
}

export type FormErrors = Partial<Record<keyof SearchForm, string>>;

const LOOKBACK_UNIT_MICROS = { m: 60e6, h: 3600e6, d: 86_400e6 } as const;

/** "15m" | "1h" | "2d" → µs, or null when it is not a lookback. */
export function lookbackMicros(lookback: string): Micros | null {
  const match = /^(\d{1,4})([mhd])$/.exec(lookback);
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof LOOKBACK_UNIT_MICROS;
  return amount > 0 ? ((amount * LOOKBACK_UNIT_MICROS[unit]) as Micros) : null;
}

function positiveMicros(text: string | null): Micros | null {
  if (!text || !/^\d{1,17}$/.test(text)) return null;
  return Number(text) as Micros;
}

export function readQuery(params: Pick<URLSearchParams, "get">): SearchQuery {
  const lookback = params.get("lookback") ?? "";
  const limit = Number(params.get("limit"));
  const start = positiveMicros(params.get("start"));
  const end = positiveMicros(params.get("end"));
  const custom = lookback === CUSTOM && start !== null && end !== null;
  return {
    service: params.get("service") ?? "",
    operation: params.get("operation") ?? "",
    tags: params.get("tags") ?? "",
    lookback: custom || lookbackMicros(lookback) !== null ? lookback : DEFAULT_LOOKBACK,
    start: custom ? start : null,
    end: custom ? end : null,
    minDuration: params.get("minDuration") ?? "",
    maxDuration: params.get("maxDuration") ?? "",
    limit: Number.isInteger(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT,
    model: params.get("model") ?? "",
    agent: params.get("agent") ?? "",
    minTokens: params.get("minTokens") ?? "",
    minCost: params.get("minCost") ?? "",
  };
}

/** The URL parameters of a query: empties and defaults left out, always in the same order. */
export function writeQuery(query: SearchQuery): URLSearchParams {
  const params = new URLSearchParams();
  const put = (key: string, value: string) => {
    if (value !== "") params.set(key, value);
  };
  put("service", query.service);
  put("operation", query.operation);
  put("tags", query.tags.trim());
  put("lookback", query.lookback === DEFAULT_LOOKBACK ? "" : query.lookback);
  if (query.lookback === CUSTOM) {
    put("start", String(query.start ?? ""));
    put("end", String(query.end ?? ""));
  }
  put("minDuration", query.minDuration.trim());
  put("maxDuration", query.maxDuration.trim());
  put("limit", query.limit === DEFAULT_LIMIT ? "" : String(query.limit));
  putGenAi(query, put);
  return params;
}

/** The AI filters, in the same names for the URL and the API. */
function putGenAi(query: SearchQuery, put: (key: string, value: string) => void): void {
  put("model", query.model.trim());
  put("agent", query.agent.trim());
  put("minTokens", query.minTokens.trim());
  put("minCost", query.minCost.trim());
}

/** Form values for a query; a custom range the query lacks defaults to the hour before `nowUs`. */
export function formFromQuery(query: SearchQuery, nowUs: number): SearchForm {
  return {
    ...query,
    start: toLocalInput(query.start ?? nowUs - 3600e6),
    end: toLocalInput(query.end ?? nowUs),
  };
}

/** Checks the form; every problem is reported against the input that holds it. */
export function queryFromForm(form: SearchForm): { ok: true; query: SearchQuery } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const tags = parseLogfmt(form.tags);
  if (!tags.ok) errors.tags = tags.error;

  const min = form.minDuration.trim() ? parseGoDuration(form.minDuration) : null;
  const max = form.maxDuration.trim() ? parseGoDuration(form.maxDuration) : null;
  const durationHint = "use a duration like 100ms, 1.5s or 2m";
  if (form.minDuration.trim() && min === null) errors.minDuration = durationHint;
  if (form.maxDuration.trim() && max === null) errors.maxDuration = durationHint;
  if (min !== null && max !== null && min > max) errors.maxDuration = "must be at least the minimum duration";

  let start: Micros | null = null;
  let end: Micros | null = null;
  if (form.lookback === CUSTOM) {
    start = fromLocalInput(form.start);
    end = fromLocalInput(form.end);
    if (start === null) errors.start = "pick a start date and time";
    if (end === null) errors.end = "pick an end date and time";
    if (start !== null && end !== null && start >= end) errors.end = "must be after the start";
  } else if (lookbackMicros(form.lookback) === null) {
    errors.lookback = "pick a time range";
  }

  if (form.minTokens.trim() && !/^\d{1,15}$/.test(form.minTokens.trim())) errors.minTokens = "a whole number of tokens, like 5000";
  if (form.minCost.trim() && !/^(\d{1,9}(\.\d{1,12})?|\.\d{1,12})$/.test(form.minCost.trim())) errors.minCost = "US dollars, like 0.05";

  if (!Number.isInteger(form.limit) || form.limit < 1 || form.limit > MAX_LIMIT) {
    errors.limit = `a whole number from 1 to ${MAX_LIMIT}`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    query: {
      service: form.service,
      operation: form.operation,
      tags: form.tags.trim(),
      lookback: form.lookback,
      start,
      end,
      minDuration: form.minDuration.trim(),
      maxDuration: form.maxDuration.trim(),
      limit: form.limit,
      model: form.model.trim(),
      agent: form.agent.trim(),
      minTokens: form.minTokens.trim(),
      minCost: form.minCost.trim(),
    },
  };
}

/** Parameters for GET /api/traces (Jaeger v1): tags as a JSON map, the range as µs. */
export function apiParams(query: SearchQuery, nowUs: number): URLSearchParams {
  const params = new URLSearchParams();
  if (query.service) params.set("service", query.service);
  if (query.service && query.operation) params.set("operation", query.operation);
  const tags = parseLogfmt(query.tags);
  if (tags.ok && Object.keys(tags.tags).length > 0) params.set("tags", JSON.stringify(tags.tags));
  if (query.lookback === CUSTOM && query.start !== null && query.end !== null) {
    params.set("start", String(Math.trunc(query.start)));
    params.set("end", String(Math.trunc(query.end)));
  } else {
    const span = lookbackMicros(query.lookback) ?? (lookbackMicros(DEFAULT_LOOKBACK) as number);
    const end = Math.trunc(nowUs);
    params.set("start", String(end - span));
    params.set("end", String(end));
    params.set("lookback", query.lookback);
  }
  if (query.minDuration) params.set("minDuration", query.minDuration);
  if (query.maxDuration) params.set("maxDuration", query.maxDuration);
  params.set("limit", String(query.limit));
  putGenAi(query, (key, value) => value !== "" && params.set(key, value));
  return params;
}
