/**
 * Who is calling: an API key (ingest and the query API, e.g. Grafana) or a browser session (the
 * UI and key management). Each middleware sets `tenantId` and `principal` for the handlers.
 *
 * A key may arrive three ways: `x-api-key: <key>`, `Authorization: Bearer <key>`, or HTTP Basic
 * with the key as password (any username) — the last is what Grafana's Jaeger data source sends.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { findKey, touchKey, type KeyLimits, type Scope } from "../accounts/api-keys";
import { atLeast, type Role } from "../accounts/roles";
import { findSession, readSessionCookie } from "../accounts/sessions";
import { Forbidden, Unauthorized } from "../errors";
import { clientIp } from "./rate-limit";
import { keyFailures } from "./key-failures";
import { tenantConfig, type TenantConfig } from "../storage/tenant-directory";

export type Principal =
  /** A key's name and caps come from the same cached lookup as the key, so ingest reads no more. */
  | { kind: "key"; keyId: string; keyName: string; scopes: readonly Scope[]; limits: KeyLimits }
  /** A signed-in user, working in the session's organisation with this role (worker/accounts/roles.ts). */
  | { kind: "session"; userId: string; email: string; role: Role; sessionHash: string };

declare module "hono" {
  interface ContextVariableMap {
    /** The tenant every query and write of this request is confined to. */
    tenantId: string;
    /** Its settings from the tenant directory (retention, shard counts). */
    tenant: TenantConfig;
    principal: Principal;
  }
}

type AuthEnv = { Bindings: Env };

/** The key the request presents, if any; "" when a credential header is present but unreadable. */
export function presentedKey(c: Context): string | undefined {
  const header = c.req.header("x-api-key");
  if (header !== undefined) return header.trim();
  const authorization = c.req.header("authorization");
  if (authorization === undefined) return undefined;
  const [scheme = "", credentials = ""] = authorization.trim().split(/\s+/, 2);
  switch (scheme.toLowerCase()) {
    case "bearer":
      return credentials;
    case "basic":
      return basicPassword(credentials);
    default:
      return "";
  }
}

/** The password of Basic credentials, or the username when the password is empty (`curl -u KEY:`). */
function basicPassword(credentials: string): string {
  let decoded: string;
  try {
    decoded = atob(credentials);
  } catch {
    return "";
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return decoded;
  return decoded.slice(colon + 1) || decoded.slice(0, colon);
}

async function authenticateKey(c: Context<AuthEnv>, key: string, scope: Scope): Promise<void> {
  const client = clientIp(c);
  const { record, read } = await findKey(c.env.DB, key, Date.now(), () => !keyFailures.refuses(client));
  if (!record) {
    // Only a miss that cost a database read counts: a forged key (checksum) and a cached miss cost none.
    if (read) await keyFailures.record(c.env, client);
    else if (keyFailures.refuses(client)) throw keyFailures.refusal(client);
    throw new Unauthorized("invalid or revoked API key");
  }
  if (!record.scopes.includes(scope)) throw new Forbidden(`this API key lacks the "${scope}" scope`);
  await setTenant(c, record.tenantId);
  c.set("principal", { kind: "key", keyId: record.id, keyName: record.name, scopes: record.scopes, limits: record.limits });
  const touch = touchKey(c.env.DB, record.id);
  if (touch) c.executionCtx.waitUntil(touch);
}

async function authenticateSession(c: Context<AuthEnv>): Promise<boolean> {
  const token = readSessionCookie(c);
  if (!token) return false;
  const found = await findSession(c.env.DB, token);
  if (!found) return false;
  const { session, touch } = found;
  if (touch) c.executionCtx.waitUntil(touch);
  await setTenant(c, session.tenantId);
  c.set("principal", { kind: "session", userId: session.userId, email: session.email, role: session.role, sessionHash: session.tokenHash });
  return true;
}

/** A deleted account's credentials stop here, before any storage is touched. */
async function setTenant(c: Context<AuthEnv>, tenantId: string): Promise<void> {
  const config = await tenantConfig(c.env.DB, tenantId);
  if (!config) throw new Unauthorized("this account no longer exists");
  c.set("tenantId", tenantId);
  c.set("tenant", config);
}

/** An API key with `scope`: 401 without a valid key, 403 naming the scope when the key lacks it. */
export function requireApiKey(scope: Scope) {
  return createMiddleware<AuthEnv>(async function requireApiKey(c, next) {
    const key = presentedKey(c);
    if (!key) throw new Unauthorized("missing API key: send x-api-key, Authorization: Bearer, or Basic auth with the key as password");
    await authenticateKey(c, key, scope);
    await next();
  });
}

/**
 * A `read` key or a logged-in user. A presented key decides alone: a bad key is 401 even beside
 * a valid cookie, so a misconfigured client fails loudly instead of riding a browser session.
 */
export function requireReader() {
  return createMiddleware<AuthEnv>(async function requireReader(c, next) {
    const key = presentedKey(c);
    if (key !== undefined) {
      if (!key) throw new Unauthorized("unreadable credentials: send the API key as x-api-key, Bearer token or Basic password");
      await authenticateKey(c, key, "read");
    } else if (!(await authenticateSession(c))) {
      throw new Unauthorized("log in or send an API key with the read scope");
    }
    await next();
  });
}

/**
 * A logged-in user (session cookie only) whose role in the session's organisation is at least
 * `role`: 401 when not logged in, 403 naming the role needed otherwise.
 */
export function requireSession(role: Role = "viewer") {
  return createMiddleware<AuthEnv>(async function requireSession(c, next) {
    if (!(await authenticateSession(c))) throw new Unauthorized("not logged in");
    checkRole(c.get("principal"), role);
    await next();
  });
}

/**
 * For routes that also take API keys (after requireReader): a session needs `role`; a key keeps
 * its scope's meaning, which the key's route check already applied.
 */
export function requireRole(role: Role) {
  return createMiddleware<AuthEnv>(async function requireRole(c, next) {
    checkRole(c.get("principal"), role);
    await next();
  });
}

function checkRole(principal: Principal, role: Role): void {
  if (principal.kind === "session" && !atLeast(principal.role, role)) {
    throw new Forbidden(`this needs the ${role} role or higher in the organisation; yours is ${principal.role}`);
  }
}

/** The signed-in user of a session-only route (requireSession ran before). */
export function sessionOf(c: Context): Extract<Principal, { kind: "session" }> {
  const principal = c.get("principal");
  if (principal.kind !== "session") throw new Unauthorized("not logged in");
  return principal;
}
