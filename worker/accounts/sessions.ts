/**
 * Browser sessions: a cookie holding 32 random bytes; D1 keeps only the token's SHA-256, so a
 * leaked database holds no live sessions. Sessions are not cached: logout must bite at once, and
 * the UI's request rate is tiny next to ingest.
 */
import { and, eq, gt, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { sessions } from "../db/schema";
import { randomBytes, sha256Hex, toBase64Url } from "./crypto";

export const SESSION_COOKIE = "et_session";
const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** 32 bytes, base64url unpadded. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionRecord {
  userId: string;
  tenantId: string;
}

export async function newSessionRow(userId: string, tenantId: string, now = Date.now()) {
  const token = toBase64Url(randomBytes(32));
  const row = {
    tokenHash: await sha256Hex(token),
    userId,
    tenantId,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  } satisfies typeof sessions.$inferInsert;
  return { row, token };
}

/**
 * Starts a session; returns the token for the cookie. The user's expired sessions are deleted in
 * the same batch (found through the sessions_user index), so the table does not grow forever.
 */
export async function createSession(db: D1Database, userId: string, tenantId: string, now = Date.now()): Promise<string> {
  const { row, token } = await newSessionRow(userId, tenantId, now);
  const d = drizzle(db);
  await d.batch([
    d.delete(sessions).where(and(eq(sessions.userId, userId), lte(sessions.expiresAt, now))),
    d.insert(sessions).values(row),
  ]);
  return token;
}

export async function findSession(db: D1Database, token: string, now = Date.now()): Promise<SessionRecord | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const rows = await drizzle(db)
    .select({ userId: sessions.userId, tenantId: sessions.tenantId })
    .from(sessions)
    .where(and(eq(sessions.tokenHash, await sha256Hex(token)), gt(sessions.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

export async function deleteSession(db: D1Database, token: string): Promise<void> {
  if (!TOKEN_PATTERN.test(token)) return;
  await drizzle(db)
    .delete(sessions)
    .where(eq(sessions.tokenHash, await sha256Hex(token)));
}

function cookieOptions(c: Context): CookieOptions {
  // Secure only over https: browsers drop Secure cookies on http://127.0.0.1, which is `wrangler dev`.
  const secure = new URL(c.req.url).protocol === "https:";
  return { path: "/", httpOnly: true, sameSite: "Lax", secure };
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { ...cookieOptions(c), maxAge: SESSION_TTL_MS / 1000 });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}
