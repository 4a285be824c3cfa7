/**
 * The overview's numbers for the range in the URL. The promise is handed to the page unawaited,
 * so the page (its header and range picker) shows at once with a loading table; a new range
 * reruns this (it reads the URL), and "Refresh"/"Try again" rerun it through invalidate.
 */
import { settle } from "$lib/monitor/api";
import { loadOverview } from "$lib/monitor/overview";
import { brokenTraces } from "$lib/propagation/api";
import { rangeWindow, readRange } from "$lib/monitor/range";
import type { PageLoad } from "./$types";

export const load: PageLoad = ({ fetch, url, depends }) => {
  depends("app:monitor");
  const range = readRange(url.searchParams);
  const window = rangeWindow(range, Date.now());
  return { range, window, overview: settle(loadOverview(window, { fetch })), broken: settle(brokenTraces(window, { fetch })) };
};
