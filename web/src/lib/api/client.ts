/**
 * A typed client for the Worker's JSON APIs on this origin. The browser sends the HttpOnly
 * session cookie itself; nothing here touches credentials.
 *
 * Functions take an optional `fetch` so SvelteKit `load` functions can pass theirs.
 */
import { ApiError, errorFromBody, networkError } from "./errors";
import type {
  Account,
  ApiKeyListing,
  CreatedApiKey,
  JaegerResponse,
  Scope,
  SignupResult,
  TraceList,
  UsageReport,
} from "./types";

type Fetch = typeof fetch;

interface RequestOptions {
  body?: unknown;
  fetch?: Fetch;
  signal?: AbortSignal;
}

/** Called when a request other than login/sign-up comes back 401: the session has ended. */
let onUnauthorized: ((error: ApiError) => void) | undefined;

export function whenUnauthorized(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

async function request<T>(method: string, path: string, options: RequestOptions & { headers?: Record<string, string> } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  const init: RequestInit = { method, headers, signal: options.signal, credentials: "same-origin" };
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(path, init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw networkError(cause);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const error = errorFromBody(response.status, body, response.statusText);
    // Only session calls: a 401 from login, sign-up or a keyed ingest says nothing about the session.
    if (error.unauthorized && path.startsWith("/api/") && path !== "/api/login" && path !== "/api/signup") onUnauthorized?.(error);
    throw error;
  }
  return body as T;
}

/** The `data` of a Jaeger v1 answer; its `errors` become an ApiError even on a 200. */
async function jaeger<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const body = await request<JaegerResponse<T>>("GET", path, options);
  if (body.errors?.length && body.data === null) throw errorFromBody(200, body);
  if (body.data === null) throw new ApiError(200, "empty", "the server answered without data");
  return body.data;
}

export const api = {
  signup: (input: { email: string; password: string; organization: string }) =>
    request<SignupResult>("POST", "/api/signup", { body: input }),
  login: (input: { email: string; password: string }) => request<Account>("POST", "/api/login", { body: input }),
  logout: () => request<null>("POST", "/api/logout"),
  /** The logged-in account, or null without a session (a 401 here is an answer, not an error). */
  me: async (options: RequestOptions = {}): Promise<Account | null> => {
    try {
      return await request<Account>("GET", "/api/me", options);
    } catch (error) {
      if (error instanceof ApiError && error.unauthorized) return null;
      throw error;
    }
  },

  listKeys: async (options: RequestOptions = {}) => (await request<{ keys: ApiKeyListing[] }>("GET", "/api/keys", options)).keys,
  createKey: (input: { name: string; scopes: Scope[] }) => request<CreatedApiKey>("POST", "/api/keys", { body: input }),
  revokeKey: (id: string) => request<null>("DELETE", `/api/keys/${encodeURIComponent(id)}`),

  usage: (options: RequestOptions = {}) => request<UsageReport>("GET", "/api/usage", options),

  services: (options: RequestOptions = {}) => jaeger<string[]>("/api/services", options),
  operations: (service: string, options: RequestOptions = {}) =>
    jaeger<string[]>(`/api/services/${encodeURIComponent(service)}/operations`, options),
  /** Jaeger v1 search; `params` as built by `apiParams` in $lib/search/query. */
  findTraces: (params: URLSearchParams, options: RequestOptions = {}) => jaeger<TraceList>(`/api/traces?${params}`, options),

  /** OTLP/JSON ingest with an API key, as any exporter would send it (the onboarding test trace). */
  sendTraces: (key: string, body: unknown) => request<unknown>("POST", "/v1/traces", { body, headers: { "x-api-key": key } }),
};
