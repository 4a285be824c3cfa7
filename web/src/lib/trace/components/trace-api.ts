/**
 * Reading traces for the trace pages: Jaeger v1 JSON for the view, OTLP/JSON from v3 for the
 * download. Errors are the app's `ApiError`s, so pages word them like every other failure.
 */
import type { JaegerTrace } from "$jaeger/v1-types";
import { COMPACT_QUERY, expandTrace, isCompactTrace } from "$jaeger/v1-compact";
import { takeEarlyRequest, usableEarly } from "$lib/api/early-request";
import { ApiError, errorFromBody, networkError } from "$lib/api/errors";
import { jaegerToOtlp, otlpFileText } from "../model/export";

type Fetch = typeof fetch;

/** User Timing marks (DevTools' Performance panel; the trace-view benchmark reads them). */
export function mark(name: string): void {
  if (typeof performance !== "undefined" && typeof performance.mark === "function") performance.mark(`trace:${name}`);
}

/** The answer to GET `path`: the one app.html asked for before the app loaded, when it has it. */
async function send(path: string, f: Fetch): Promise<Response> {
  const early = takeEarlyRequest(path);
  if (early) {
    try {
      const response = await early;
      if (usableEarly(response)) return response;
      void response.body?.cancel().catch(() => {});
    } catch {
      // A network failure then says nothing about now: ask again.
    }
  }
  return f(path, { headers: { accept: "application/json" }, credentials: "same-origin" });
}

async function getJson(path: string, f: Fetch, marks = false): Promise<{ response: Response; body: unknown }> {
  let response: Response;
  try {
    response = await send(path, f);
  } catch (cause) {
    throw networkError(cause);
  }
  const text = await response.text();
  if (marks) mark("downloaded");
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { response, body };
}

/**
 * The trace as Jaeger JSON. Asked for in our compact form (`$jaeger/v1-compact`: a third of the
 * bytes to serialize, compress and parse) and expanded here into the same objects; app.html's
 * early request asks for the same URL (keep the two in step).
 */
export async function fetchTrace(id: string, f: Fetch = fetch): Promise<JaegerTrace> {
  const { response, body } = await getJson(`/api/traces/${encodeURIComponent(id)}?format=${COMPACT_QUERY}`, f, true);
  if (!response.ok) throw errorFromBody(response.status, body, response.statusText);
  const found: unknown = (body as { data?: unknown[] } | null)?.data?.[0];
  if (!found) throw new ApiError(404, "not_found", "trace not found");
  const trace = isCompactTrace(found) ? expandTrace(found) : (found as JaegerTrace);
  mark("parsed");
  return trace;
}

/**
 * The trace as OTLP/JSON text: the v3 API's copy when the server has one (everything the exporter
 * sent), else converted from the Jaeger JSON we hold.
 */
export async function otlpText(id: string, fallback: JaegerTrace, f: Fetch = fetch): Promise<string> {
  try {
    const { response, body } = await getJson(`/api/v3/traces/${encodeURIComponent(id)}`, f);
    const result = (body as { result?: { resourceSpans?: unknown } } | null)?.result;
    if (response.ok && result?.resourceSpans) return JSON.stringify(result);
  } catch {
    // Fall through to the local conversion.
  }
  return otlpFileText(jaegerToOtlp(fallback));
}

/** Why a trace did not load, as the page words it. */
export interface LoadFailure {
  /** not-found: no such trace for this tenant; invalid: not a trace id; unreachable: no answer; failed: anything else. */
  kind: "not-found" | "invalid" | "unreachable" | "failed";
  title: string;
  detail: string;
  /** Whether asking again may help (a trace still arriving, a network blip). */
  retry: boolean;
}

/** What to tell someone whose trace did not load. */
export function describeLoadError(error: unknown): LoadFailure {
  if (error instanceof ApiError) {
    if (error.status === 404) return { kind: "not-found", title: "Trace not found", detail: "No trace with this id in your organization. A trace that is still arriving shows up a few seconds after its last span.", retry: true };
    if (error.status === 400) return { kind: "invalid", title: "Not a trace id", detail: error.message, retry: false };
    if (error.status === 0) return { kind: "unreachable", title: "Cannot reach the server", detail: error.message, retry: true };
    return { kind: "failed", title: `The server answered ${error.status}`, detail: error.message, retry: true };
  }
  return { kind: "failed", title: "Something went wrong", detail: error instanceof Error ? error.message : String(error), retry: true };
}

/** The trace's LLM-ready digest in Markdown (worker/digest): what "Copy for AI" copies. */
export async function fetchDigest(id: string, f: Fetch = fetch): Promise<string> {
  let response: Response;
  try {
    response = await f(`/api/traces/${encodeURIComponent(id)}/digest`, { headers: { accept: "text/markdown" }, credentials: "same-origin" });
  } catch (cause) {
    throw networkError(cause);
  }
  const text = await response.text();
  if (response.ok) return text;
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  throw errorFromBody(response.status, body, response.statusText);
}
