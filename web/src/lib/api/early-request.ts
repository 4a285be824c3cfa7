/**
 * A request the HTML entry (app.html, `<script id="early-request">`) starts before any of the
 * app's code has loaded: today the trace view's `/api/traces/{id}`, whose answer is the slowest
 * and biggest the app waits for. Waiting for SvelteKit to boot, match the route and run its load
 * function would send it 200–300 ms later, time the server could already have been working.
 *
 * It belongs to the page load it was started for: it is handed out once, only for the same API
 * path, and only while the browser is still on the page it was started on — a load function run
 * for a later navigation (or a hover preload) runs while the location is still the previous
 * page's, so it never gets an answer that may be minutes old. An answer of 401 or 403 is not used
 * either (the page was opened without a live session; the app sends the user to log in and asks
 * again with the session it has then).
 */

export interface EarlyRequest {
  /** The API path asked for, e.g. `/api/traces/abc`. */
  path: string;
  /** `location.pathname` when it was asked for: the page it is for. */
  page: string;
  response: Promise<Response>;
}

declare global {
  interface Window {
    __earlyRequest?: EarlyRequest;
  }
}

/** The early answer for `path`, once; undefined when there is none or it is not for this page load. */
export function takeEarlyRequest(path: string): Promise<Response> | undefined {
  if (typeof window === "undefined") return undefined;
  const early = window.__earlyRequest;
  if (!early || early.path !== path) return undefined;
  delete window.__earlyRequest;
  if (early.page !== window.location.pathname) return undefined;
  return early.response;
}

/** Whether an early answer may stand for a fresh one: not when it was refused for want of a session. */
export function usableEarly(response: Response): boolean {
  return response.status !== 401 && response.status !== 403;
}
