/**
 * Starts reading the service graph for the range in the URL (`?range=6h`, the last hour by
 * default) and hands the page the promise, settled, so the page shows its loading state at once.
 * A new range is a new URL, so this runs again; "Refresh" and "Try again" rerun it through
 * invalidate("app:map") for the same range ending now.
 */
import { serviceGraph, type ServiceGraph } from "$lib/map/api";
import { rangeWindow, readRange } from "$lib/monitor/range";
import type { PageLoad } from "./$types";

export type GraphLoad = { ok: true; graph: ServiceGraph } | { ok: false; error: string };

export const load: PageLoad = ({ fetch, url, depends }) => {
  depends("app:map");
  const range = readRange(url.searchParams);
  const window = rangeWindow(range, Date.now());
  return {
    range,
    window,
    // Settled into a result, never rejected: nothing may reject before the page is there to listen.
    graph: serviceGraph(window, { fetch }).then(
      (graph): GraphLoad => ({ ok: true, graph }),
      (error: unknown): GraphLoad => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    ),
  };
};
