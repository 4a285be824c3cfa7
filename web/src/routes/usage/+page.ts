/**
 * The tenant's usage over the days in the URL. The promise goes to the page unawaited, so the
 * header and range picker show at once; a new range reruns this (it reads the URL), and
 * "Refresh"/"Try again" rerun it through invalidate.
 */
import { settle } from "$lib/monitor/api";
import { dayWindow, loadUsage, readDayRange } from "$lib/usage/usage";
import type { PageLoad } from "./$types";

export const load: PageLoad = ({ fetch, url, depends }) => {
  depends("app:usage");
  const range = readDayRange(url.searchParams);
  const window = dayWindow(range, Date.now());
  return { range, window, usage: settle(loadUsage(window, { fetch })) };
};
