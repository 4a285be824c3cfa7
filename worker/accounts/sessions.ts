/**
 * Browser sessions: a cookie holding 32 random bytes; D1 keeps only the token's SHA-256, so a
 * leaked database holds no live sessions. Sessions are not cached: logout must bite at once, and
 * the UI's request rate is tiny next to ingest.
 *
 * A session carries the organisation the user is working in (`tenantId`, changed by switching)
 * and is read together with the user's membership there: a member who is removed or demoted
 * loses the access at once. A session ends after SESSION_TTL_MS, or after SESSION_IDLE_MS
 * without use; `last_seen_at` is written at most every SESSION_TOUCH_MS, not on every request.
 */
import { and, eq, gt, lte, ne, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { memberships, sessions, users } from "../db/schema";
import { randomBytes, sha256Hex, toBase64Url } from "./crypto";
import { parseRole, type Role } from "./roles";

export const SESSION_COOKIE = "et_session";
/**
 * Over https the cookie is `__Host-et_session`: browsers accept that name only when Secure, with
 * Path=/ and no Domain, so a sibling subdomain cannot plant or overwrite it.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A session unused this long is over: a forgotten laptop does not stay signed in for a month. */
export const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;
/** `last_seen_at` is a write; a few minutes of precision is plenty for a day's idle timeout. */
const SESSION_TOUCH_MS = 5 * 60 * 1000;
/** 32 bytes, base64url unpadded. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionRecord {
  userId: string;
  email: string;
  tenantId: string;
  role: Role;
  /** The token's hash: which session this is, to keep it when ending the others. */
  tokenHash: string;
}

export async function newSessionRow(userId: string, tenantId: string, now = Date.now()) {
  const token = toBase64Url(randomBytes(32));
  const row = {
    tokenHash: await sha256Hex(token),
    userId,
    tenantId,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
    lastSeenAt: now,
  } satisfies typeof sessions.$inferInsert;
  return { row, token };
}

/**
 * Starts a session; returns the token for the cookie. The user's expired and idle sessions are
 * deleted in the same batch (found through the sessions_user index), so the table does not grow forever.
 */
export async function createSession(db: D1Database, userId: string, tenantId: string, now = Date.now()): Promise<string> {
  const { row, token } = await newSessionRow(userId, tenantId, now);
  const d = drizzle(db);
  await d.batch([
    d.delete(sessions).where(and(eq(sessions.userId, userId), or(lte(sessions.expiresAt, now), lte(sessions.lastSeenAt, now - SESSION_IDLE_MS)))),
    d.insert(sessions).values(row),
  ]);
  return token;
}

/**
 * The live session with this token and the user's role in its organisation, or null. Returns
 * the `last_seen_at` write to hand to `waitUntil` when one is due.
 */
export async function findSession(db: D1Database, token: string, now = Date.now()): Promise<{ session: SessionRecord; touch?: Promise<unknown> } | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const tokenHash = await sha256Hex(token);
  const rows = await drizzle(db)
    .select({ userId: sessions.userId, email: users.email, tenantId: sessions.tenantId, role: memberships.role, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(memberships, and(eq(memberships.userId, sessions.userId), eq(memberships.tenantId, sessions.tenantId)))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), gt(sessions.lastSeenAt, now - SESSION_IDLE_MS)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const session = { userId: row.userId, email: row.email, tenantId: row.tenantId, role: parseRole(row.role), tokenHash };
  if (now - row.lastSeenAt < SESSION_TOUCH_MS) return { session };
  const touch = drizzle(db)
    .update(sessions)
    .set({ lastSeenAt: now })
    .where(eq(sessions.tokenHash, tokenHash))
    .run()
    .catch((error: unknown) => console.error("session: could not record use", error));
  return { session, touch };
}

export async function deleteSession(db: D1Database, token: string): Promise<void> {
  if (!TOKEN_PATTERN.test(token)) return;
  await drizzle(db)
    .delete(sessions)
    .where(eq(sessions.tokenHash, await sha256Hex(token)));
}

/** Ends every session of the user but `keep` (a token hash): a password change, "sign out everywhere". */
export async function deleteUserSessions(db: D1Database, userId: string, keep?: string): Promise<void> {
  await drizzle(db)
    .delete(sessions)
    .where(keep === undefined ? eq(sessions.userId, userId) : and(eq(sessions.userId, userId), ne(sessions.tokenHash, keep)));
}

/** Moves a session to another of the user's organisations (membership checked by the caller). */
export async function switchSession(db: D1Database, tokenHash: string, tenantId: string): Promise<void> {
  await drizzle(db).update(sessions).set({ tenantId }).where(eq(sessions.tokenHash, tokenHash));
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

function cookieOptions(c: Context): CookieOptions {
  // Secure only over https: browsers drop Secure cookies on http://127.0.0.1, which is `wrangler dev`.
  return { path: "/", httpOnly: true, sameSite: "Lax", secure: isHttps(c) };
}

/** The cookie's name for this request: `__Host-` needs Secure, which needs https. */
function cookieName(c: Context): string {
  return isHttps(c) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, cookieName(c));
}

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, cookieName(c), token, { ...cookieOptions(c), maxAge: SESSION_TTL_MS / 1000 });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, cookieName(c), cookieOptions(c));
}
