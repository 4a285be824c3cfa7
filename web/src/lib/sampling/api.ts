/**
 * The Sampling page's calls. Failures become ApiErrors like every other call, so a refused field
 * comes back with its `field` (e.g. `strategies.service_strategies[2].param`) for the form.
 */
import { errorFromBody, networkError } from "$lib/api/errors";
import type { SamplingUpdate, SamplingView } from "./types";

type Fetch = typeof fetch;

async function call<T>(method: string, path: string, options: { body?: unknown; fetch?: Fetch } = {}): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (options.body !== undefined) {
    init.headers = { accept: "application/json", "content-type": "application/json" };
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(path, init);
  } catch (cause) {
    throw networkError(cause);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw errorFromBody(response.status, body, response.statusText);
  return body as T;
}

export const samplingApi = {
  get: (options: { fetch?: Fetch } = {}) => call<SamplingView>("GET", "/api/sampling", options),
  save: (update: SamplingUpdate, options: { fetch?: Fetch } = {}) => call<SamplingView>("PUT", "/api/sampling", { ...options, body: update }),
  rotate: (options: { fetch?: Fetch } = {}) => call<SamplingView>("POST", "/api/sampling/rotate", options),
};
