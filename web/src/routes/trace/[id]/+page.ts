/**
 * Starts fetching the trace as soon as the route is known — in parallel with the layout's session
 * check rather than after it — and hands the page the promise (not awaited), so the page can show
 * its loading state while a big trace downloads.
 */
import type { JaegerTrace } from "$jaeger/v1-types";
import { describeLoadError, fetchTrace } from "$lib/trace/components/trace-api";
import type { PageLoad } from "./$types";

export type TraceLoad = { ok: true; trace: JaegerTrace } | { ok: false; failure: ReturnType<typeof describeLoadError> };

export const load: PageLoad = ({ params, fetch }) => ({
  id: params.id,
  // Settled into a result, never rejected: nothing may reject before the page is there to listen.
  trace: fetchTrace(params.id, fetch).then(
    (trace): TraceLoad => ({ ok: true, trace }),
    (error: unknown): TraceLoad => ({ ok: false, failure: describeLoadError(error) }),
  ),
});
