/**
 * Starts reading the settings as the page opens and hands the page the promise (not awaited), so
 * it shows at once with its loading state. "Try again" reruns this through
 * invalidate("app:settings").
 */
import { api, type ModelPriceTable } from "$lib/api/client";
import type { TenantSettings } from "$lib/api/types";
import type { PageLoad } from "./$types";

export type SettingsLoad = { ok: true; settings: TenantSettings } | { ok: false; error: string };
export type PricesLoad = { ok: true; table: ModelPriceTable } | { ok: false; error: string };

export const load: PageLoad = ({ fetch, depends }) => {
  depends("app:settings");
  return {
    // Settled into a result, never rejected: nothing may reject before the page is there to listen.
    settings: api.settings({ fetch }).then(
      (settings): SettingsLoad => ({ ok: true, settings }),
      (error: unknown): SettingsLoad => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    ),
    prices: api.modelPrices({ fetch }).then(
      (table): PricesLoad => ({ ok: true, table }),
      (error: unknown): PricesLoad => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    ),
  };
};
