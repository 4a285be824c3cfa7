/**
 * A typed client for the Worker's JSON APIs on this origin. The browser sends the HttpOnly
 * session cookie itself; nothing here touches credentials.
 *
 * Functions take an optional `fetch` so SvelteKit `load` functions can pass theirs.
 */
import type { ModelPrice } from "$model/model-prices";
import { ApiError, errorFromBody, networkError } from "./errors";
import type {
  Account,
  AccountDeleted,
  ApiKeyListing,
  AuditEvent,
  CreatedApiKey,
  Invite,
  InviteInfo,
  Member,
  Role,
  JaegerResponse,
  KeyLimits,
  Scope,
  SignupResult,
  TenantSettings,
  TraceList,
  UsageReport,
} from "./types";

type Fetch = typeof fetch;

export interface ModelPriceTable {
  prices: ModelPrice[];
  isDefault: boolean;
  defaults: ModelPrice[];
}

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

const archivePath = (traceId: string) => `/api/archive/${encodeURIComponent(traceId)}`;

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

  /** Moves this session to another of the user's organisations; answers as /api/me. */
  switchOrganization: (organizationId: string) => request<Account>("POST", "/api/organizations/switch", { body: { organizationId } }),
  changePassword: (input: { currentPassword: string; newPassword: string }) => request<null>("PUT", "/api/password", { body: input }),
  /** Ends every session of the user, this one too. */
  signOutEverywhere: () => request<null>("DELETE", "/api/sessions"),

  members: async (options: RequestOptions = {}) => (await request<{ members: Member[] }>("GET", "/api/members", options)).members,
  setMemberRole: (userId: string, role: Role) => request<Member>("PATCH", `/api/members/${encodeURIComponent(userId)}`, { body: { role } }),
  removeMember: (userId: string) => request<null>("DELETE", `/api/members/${encodeURIComponent(userId)}`),
  invites: async (options: RequestOptions = {}) => (await request<{ invites: Invite[] }>("GET", "/api/invites", options)).invites,
  createInvite: (input: { email: string; role: Role }) => request<Invite & { url: string }>("POST", "/api/invites", { body: input }),
  revokeInvite: (id: string) => request<null>("DELETE", `/api/invites/${encodeURIComponent(id)}`),
  lookupInvite: (token: string) => request<InviteInfo>("POST", "/api/invites/lookup", { body: { token } }),
  acceptInvite: (input: { token: string; password?: string }) => request<Account>("POST", "/api/invites/accept", { body: input }),
  audit: (before?: number, options: RequestOptions = {}) =>
    request<{ events: AuditEvent[]; next: number | null }>("GET", `/api/audit${before === undefined ? "" : `?before=${before}`}`, options),

  listKeys: async (options: RequestOptions = {}) => (await request<{ keys: ApiKeyListing[] }>("GET", "/api/keys", options)).keys,
  createKey: (input: { name: string; scopes: Scope[]; limits?: Partial<KeyLimits> }) => request<CreatedApiKey>("POST", "/api/keys", { body: input }),
  /** Changes the caps named (null removes one); answers the key as listed. */
  updateKeyLimits: (id: string, limits: Partial<KeyLimits>) => request<ApiKeyListing>("PATCH", `/api/keys/${encodeURIComponent(id)}`, { body: { limits } }),
  revokeKey: (id: string) => request<null>("DELETE", `/api/keys/${encodeURIComponent(id)}`),

  usage: (options: RequestOptions = {}) => request<UsageReport>("GET", "/api/usage", options),

  settings: (options: RequestOptions = {}) => request<TenantSettings>("GET", "/api/settings", options),
  saveSettings: (input: { retentionDays: number }, options: RequestOptions = {}) =>
    request<TenantSettings>("PUT", "/api/settings", { ...options, body: input }),
  /** The organization's model price table (USD per million tokens), whether it is the defaults, and the defaults. */
  modelPrices: (options: RequestOptions = {}) => request<ModelPriceTable>("GET", "/api/model-prices", options),
  /** Replaces the table; null restores the defaults. A bad entry is a 400 naming its field (`prices[2].model`). */
  saveModelPrices: (prices: ModelPrice[] | null, options: RequestOptions = {}) =>
    request<ModelPriceTable>("PUT", "/api/model-prices", { ...options, body: { prices } }),
  /** Deletes the organization and all it stored; asks for the password again. Ends the session. */
  deleteAccount: (password: string, options: RequestOptions = {}) =>
    request<AccountDeleted>("DELETE", "/api/account", { ...options, body: { password } }),

  /**
   * Whether a trace is archived. HEAD rather than GET: GET answers the whole archived copy, which
   * the trace view already holds; a yes or no is all it needs.
   */
  isArchived: async (traceId: string, options: RequestOptions = {}): Promise<boolean> => {
    try {
      await request<null>("HEAD", archivePath(traceId), options);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  },
  /** Keeps the trace, as it is now, past the retention period. 404: no such trace. */
  archive: async (traceId: string, options: RequestOptions = {}): Promise<void> => {
    await request<unknown>("POST", archivePath(traceId), options);
  },
  /** Lets an archived trace expire again. One that was not archived (404) is released already. */
  release: async (traceId: string, options: RequestOptions = {}): Promise<void> => {
    try {
      await request<null>("DELETE", archivePath(traceId), options);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  },

  services: (options: RequestOptions = {}) => jaeger<string[]>("/api/services", options),
  operations: (service: string, options: RequestOptions = {}) =>
    jaeger<string[]>(`/api/services/${encodeURIComponent(service)}/operations`, options),
  /** Jaeger v1 search; `params` as built by `apiParams` in $lib/search/query. */
  findTraces: (params: URLSearchParams, options: RequestOptions = {}) => jaeger<TraceList>(`/api/traces?${params}`, options),

  /** OTLP/JSON ingest with an API key, as any exporter would send it (the onboarding test trace). */
  sendTraces: (key: string, body: unknown) => request<unknown>("POST", "/v1/traces", { body, headers: { "x-api-key": key } }),
};
