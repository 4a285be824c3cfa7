/**
 * Starts reading the sampling settings as the page opens and hands the page the promise, settled
 * into a result, so the page shows at once with its loading state; "Try again" reruns this through
 * invalidate("app:sampling").
 */
import { samplingApi } from "$lib/sampling/api";
import type { SamplingView } from "$lib/sampling/types";
import type { PageLoad } from "./$types";

export type SamplingLoad = { ok: true; view: SamplingView } | { ok: false; error: string };

export const load: PageLoad = ({ fetch, depends }) => {
  depends("app:sampling");
  return {
    sampling: samplingApi.get({ fetch }).then(
      (view): SamplingLoad => ({ ok: true, view }),
      (error: unknown): SamplingLoad => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    ),
  };
};
