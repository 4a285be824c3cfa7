/**
 * The trace arrives by the request app.html started before any of the app's code loaded (see
 * $lib/api/early-request.ts); on a later navigation, by a request started here. Either way the
 * page gets the promise (not awaited), so it can show its loading state while a big trace
 * downloads, and the view's code is fetched here too, in parallel with the layout's session
 * check rather than after the page has rendered.
 */
import type { JaegerTrace } from "$jaeger/v1-types";
import { describeLoadError, fetchTrace } from "$lib/trace/components/trace-api";
import type { PageLoad } from "./$types";

export type TraceLoad = { ok: true; trace: JaegerTrace } | { ok: false; failure: ReturnType<typeof describeLoadError> };

/** The view's components, dynamically imported: a static import would hold the page (and its loading state) until they arrive. */
const viewCode = () =>
  Promise.all([import("$lib/trace/components/TraceView.svelte").then((m) => m.default), import("$lib/trace/components/ArchiveToggle.svelte").then((m) => m.default)]);

export const load: PageLoad = ({ params, fetch }) => ({
  id: params.id,
  // Settled into a result, never rejected: nothing may reject before the page is there to listen.
  trace: fetchTrace(params.id, fetch).then(
    (trace): TraceLoad => ({ ok: true, trace }),
    (error: unknown): TraceLoad => ({ ok: false, failure: describeLoadError(error) }),
  ),
  components: viewCode(),
});
