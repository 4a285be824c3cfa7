/**
 * One service's metrics for the range and span kinds in the URL, and whether the service exists
 * at all: the metrics route answers an unknown name with an empty series, which must not read as
 * "quiet in this range". Both asked at once; the promise goes to the page unawaited (its header
 * and pickers show at once), settled so nothing rejects before the page listens.
 */
import { api } from "$lib/api/client";
import { serviceMetrics, settle, type ServiceMetrics } from "$lib/monitor/api";
import { readKinds } from "$lib/monitor/kinds";
import { rangeWindow, readRange, stepFor } from "$lib/monitor/range";
import type { PageLoad } from "./$types";

export interface ServiceView {
  /** The tenant has spans of this service (at any time). */
  known: boolean;
  metrics: ServiceMetrics;
}

export const load: PageLoad = ({ fetch, url, params, depends }) => {
  depends("app:monitor");
  const service = params.service;
  const range = readRange(url.searchParams);
  const kinds = readKinds(url.searchParams);
  const window = rangeWindow(range, Date.now());
  const view = Promise.all([api.services({ fetch }), serviceMetrics({ service, ...window, step: stepFor(range.ms), kinds }, { fetch })]).then(
    ([services, metrics]): ServiceView => ({
      // Metrics with calls prove the service exists even if the list has not caught up with it.
      known: services.includes(service) || metrics.operations.length > 0,
      metrics,
    }),
  );
  return { service, range, kinds, window, view: settle(view) };
};
