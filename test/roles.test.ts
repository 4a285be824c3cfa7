/**
 * Every role on every route: one organisation on the shared server with an owner, an admin, a
 * member and a viewer (invited and accepted as users do), plus the organisation's read key, and
 * a table of what each of them gets from each route. Rows that need a target of their own (a
 * key to revoke, a member to remove, an invite to delete) build a fresh one for each caller, so
 * one caller's success cannot change what the next one is answered.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { makeRequest, makeSpan } from "./support/otlp-builders.ts";
import { addMember, createOrg, invite, send, uniqueEmail, type Role, type TestOrg } from "./support/org.ts";

const url = inject("serverUrl");

type Caller = Role | "readKey";
/** The weakest first, owner last: rows whose owner call ends something (the organisation) run it last. */
const CALLERS: Caller[] = ["viewer", "member", "readKey", "admin", "owner"];

let org: TestOrg;
const traceId = crypto.randomUUID().replaceAll("-", "");

interface Call {
  path: string;
  body?: unknown;
}

interface Row {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  route: string;
  call: (caller: Caller) => Call | Promise<Call>;
  /** Runs after each caller's call: puts back what the call ended. */
  after?: (caller: Caller) => Promise<void>;
  expect: Record<Caller, number>;
}

const all = (status: number): Record<Caller, number> => ({ viewer: status, member: status, readKey: status, admin: status, owner: status });
/** Sessions of `role` or higher get `ok`, weaker ones 403; a read key `key`. */
function from(role: Role, ok: number, key = 401): Record<Caller, number> {
  const rank = ["viewer", "member", "admin", "owner"];
  const at = (r: Role) => (rank.indexOf(r) >= rank.indexOf(role) ? ok : 403);
  return { viewer: at("viewer"), member: at("member"), readKey: key, admin: at("admin"), owner: at("owner") };
}

/** The owner's session: for setting up a caller's target. */
const owner = () => org.users.owner.cookie;
const sessionCaller = (caller: Caller): caller is Role => caller !== "readKey";

async function json<T>(response: Response, status: number): Promise<T> {
  if (response.status !== status) throw new Error(`setup call: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function keyMadeBy(cookie: string): Promise<string> {
  return (await json<{ id: string }>(await send(url, "POST", "/api/keys", cookie, { name: "target", scopes: ["ingest"] }), 201)).id;
}

async function archived(): Promise<void> {
  const response = await send(url, "POST", `/api/archive/${traceId}`, owner());
  if (response.status !== 200) throw new Error(`archive: ${response.status} ${await response.text()}`);
}

const rows: Row[] = [
  { method: "GET", route: "/api/me", call: () => ({ path: "/api/me" }), expect: from("viewer", 200) },
  { method: "GET", route: "/api/organizations", call: () => ({ path: "/api/organizations" }), expect: from("viewer", 200) },
  { method: "POST", route: "/api/organizations/switch", call: () => ({ path: "/api/organizations/switch", body: { organizationId: org.tenantId } }), expect: from("viewer", 200) },
  { method: "GET", route: "/api/services", call: () => ({ path: "/api/services" }), expect: all(200) },
  { method: "GET", route: "/api/traces", call: () => ({ path: "/api/traces?service=roles&lookback=1h" }), expect: all(200) },
  { method: "GET", route: "/api/traces/{id}", call: () => ({ path: `/api/traces/${traceId}` }), expect: all(200) },
  { method: "GET", route: "/api/traces/{id}/digest", call: () => ({ path: `/api/traces/${traceId}/digest` }), expect: all(200) },
  { method: "GET", route: "/api/traces/{id}/propagation", call: () => ({ path: `/api/traces/${traceId}/propagation` }), expect: all(200) },
  { method: "GET", route: "/api/broken-traces", call: () => ({ path: "/api/broken-traces?lookback=1h" }), expect: all(200) },
  { method: "GET", route: "/api/traces/{id}/genai", call: () => ({ path: `/api/traces/${traceId}/genai` }), expect: all(200) },
  { method: "GET", route: "/api/model-prices", call: () => ({ path: "/api/model-prices" }), expect: all(200) },
  { method: "PUT", route: "/api/model-prices", call: () => ({ path: "/api/model-prices", body: { prices: null } }), expect: from("admin", 200) },
  { method: "GET", route: "/api/v3/services", call: () => ({ path: "/api/v3/services" }), expect: all(200) },
  { method: "GET", route: "/api/dependencies", call: () => ({ path: `/api/dependencies?endTs=${Date.now()}&lookback=3600000` }), expect: all(200) },
  { method: "GET", route: "/api/graph", call: () => ({ path: "/api/graph" }), expect: all(200) },
  { method: "GET", route: "/api/metrics/minstep", call: () => ({ path: "/api/metrics/minstep" }), expect: all(200) },
  { method: "GET", route: "/api/usage", call: () => ({ path: "/api/usage" }), expect: all(200) },
  { method: "GET", route: "/api/settings", call: () => ({ path: "/api/settings" }), expect: all(200) },
  { method: "PUT", route: "/api/settings", call: () => ({ path: "/api/settings", body: { retentionDays: 30 } }), expect: from("owner", 200) },
  { method: "GET", route: "/api/sampling", call: () => ({ path: "/api/sampling" }), expect: all(200) },
  {
    method: "PUT",
    route: "/api/sampling",
    call: () => ({ path: "/api/sampling", body: { strategies: { default_strategy: { type: "probabilistic", param: 1 } } } }),
    expect: from("admin", 200),
  },
  { method: "POST", route: "/api/sampling/rotate", call: () => ({ path: "/api/sampling/rotate" }), expect: from("admin", 200) },
  {
    method: "POST",
    route: "/api/archive/{id}",
    call: () => ({ path: `/api/archive/${traceId}` }),
    // Archiving changes what is kept: viewers only read. A read key (Jaeger UI's credential) keeps archiving.
    expect: from("member", 200, 200),
  },
  { method: "GET", route: "/api/archive/{id}", call: async () => (await archived(), { path: `/api/archive/${traceId}` }), expect: all(200) },
  { method: "DELETE", route: "/api/archive/{id}", call: async () => (await archived(), { path: `/api/archive/${traceId}` }), expect: from("member", 204, 204) },
  { method: "GET", route: "/api/keys", call: () => ({ path: "/api/keys" }), expect: from("member", 200) },
  { method: "POST", route: "/api/keys", call: () => ({ path: "/api/keys", body: { name: "by role", scopes: ["read"] } }), expect: from("member", 201) },
  {
    method: "POST",
    route: "/api/keys (with caps)",
    call: () => ({ path: "/api/keys", body: { name: "capped", scopes: ["ingest"], limits: { spansPerDay: 1000 } } }),
    expect: from("admin", 201),
  },
  {
    method: "PATCH",
    route: "/api/keys/{id} (caps)",
    call: async () => ({ path: `/api/keys/${await keyMadeBy(owner())}`, body: { limits: { spansPerDay: 1000 } } }),
    expect: from("admin", 200),
  },
  {
    method: "DELETE",
    route: "/api/keys/{id} (one the caller made)",
    call: async (caller) => ({ path: `/api/keys/${await keyMadeBy(sessionCaller(caller) && caller !== "viewer" ? org.users[caller].cookie : owner())}` }),
    expect: from("member", 204),
  },
  { method: "DELETE", route: "/api/keys/{id} (someone else's)", call: async () => ({ path: `/api/keys/${await keyMadeBy(owner())}` }), expect: from("admin", 204) },
  { method: "GET", route: "/api/members", call: () => ({ path: "/api/members" }), expect: from("viewer", 200) },
  {
    method: "PATCH",
    route: "/api/members/{id} (member → viewer)",
    call: async () => ({ path: `/api/members/${(await addMember(url, owner(), "member", "patched")).userId}`, body: { role: "viewer" } }),
    expect: from("admin", 200),
  },
  {
    method: "PATCH",
    route: "/api/members/{id} (→ owner)",
    call: async () => ({ path: `/api/members/${(await addMember(url, owner(), "member", "promoted")).userId}`, body: { role: "owner" } }),
    // Only owners make owners: an admin cannot raise anyone, themself included, above admin.
    expect: from("owner", 200),
  },
  { method: "DELETE", route: "/api/members/{id}", call: async () => ({ path: `/api/members/${(await addMember(url, owner(), "viewer", "removed")).userId}` }), expect: from("admin", 204) },
  { method: "GET", route: "/api/invites", call: () => ({ path: "/api/invites" }), expect: from("admin", 200) },
  { method: "POST", route: "/api/invites", call: () => ({ path: "/api/invites", body: { email: uniqueEmail("invitee"), role: "viewer" } }), expect: from("admin", 201) },
  { method: "POST", route: "/api/invites (owner role)", call: () => ({ path: "/api/invites", body: { email: uniqueEmail("co-owner"), role: "owner" } }), expect: from("owner", 201) },
  { method: "DELETE", route: "/api/invites/{id}", call: async () => ({ path: `/api/invites/${(await invite(url, owner(), uniqueEmail("revoked"), "viewer")).id}` }), expect: from("admin", 204) },
  { method: "GET", route: "/api/audit", call: () => ({ path: "/api/audit" }), expect: from("admin", 200) },
  {
    method: "PUT",
    route: "/api/password",
    call: (caller) => {
      const password = sessionCaller(caller) ? org.users[caller].password : "x".repeat(12);
      return { path: "/api/password", body: { currentPassword: password, newPassword: password } };
    },
    expect: from("viewer", 204),
  },
  {
    method: "DELETE",
    route: "/api/sessions",
    call: () => ({ path: "/api/sessions" }),
    // Signing out everywhere ended the table's own session too: sign in again for the rows after.
    after: async (caller) => {
      if (!sessionCaller(caller)) return;
      const user = org.users[caller];
      const login = await send(url, "POST", "/api/login", undefined, { email: user.email, password: user.password });
      if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
      user.cookie = (login.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    },
    expect: from("viewer", 204),
  },
  // Last: the owner's call deletes the organisation.
  { method: "DELETE", route: "/api/account", call: (caller) => ({ path: "/api/account", body: { password: sessionCaller(caller) ? org.users[caller].password : "" } }), expect: from("owner", 202) },
];

beforeAll(async () => {
  org = await createOrg(url, "Roles table");
  const ingest = await fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": org.tenant.ingestKey },
    body: JSON.stringify(makeRequest([makeSpan({ traceId, startTimeUnixNano: `${Date.now() - 1000}000000`, endTimeUnixNano: `${Date.now()}000000` })], { resource: { attributes: [{ key: "service.name", value: { stringValue: "roles" } }] } })),
  });
  expect(ingest.status).toBe(200);
}, 120_000);

describe("every role on every route", () => {
  // Sequential on purpose: later rows (sign out everywhere, deleting the organisation) end things earlier rows use.
  for (const row of rows) {
    it(`${row.method} ${row.route}`, async () => {
      const actual: Partial<Record<Caller, number>> = {};
      for (const caller of CALLERS) {
        const call = await row.call(caller);
        const headers: Record<string, string> = {};
        if (caller === "readKey") headers.authorization = `Bearer ${org.tenant.readKey}`;
        else headers.cookie = org.users[caller].cookie;
        if (call.body !== undefined) headers["content-type"] = "application/json";
        const response = await fetch(`${url}${call.path}`, { method: row.method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) });
        actual[caller] = response.status;
        // A refusal names the role it needs, so a user knows whom to ask.
        if (response.status === 403 && caller !== "readKey") expect(JSON.stringify(await response.json())).toMatch(/role|owners|members may revoke/);
        else await response.body?.cancel();
        await row.after?.(caller);
      }
      expect(actual).toEqual(row.expect);
    });
  }
});
