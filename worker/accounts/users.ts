/**
 * Organisations (tenants) and their users: sign-up creates both (plus the owner's membership, a
 * first ingest key and a session) at once. A user may belong to several organisations
 * (memberships); login starts in the one they joined first.
 */
import { and, asc, eq, inArray, ne, notInArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { apiKeys, auditEvents, invites, memberships, sessions, tenants, users } from "../db/schema";
import { DEFAULT_INGEST_KEY_NAME, newKeyRow } from "./api-keys";
import { newId } from "./crypto";
import type { PasswordHash } from "./passwords";
import type { Scope } from "./api-keys";
import { newSessionRow } from "./sessions";

export interface Account {
  tenant: { id: string; name: string };
  user: { id: string; email: string };
}

export class EmailTaken extends Error {}

export async function emailExists(db: D1Database, email: string): Promise<boolean> {
  const rows = await drizzle(db).select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  return rows.length > 0;
}

/**
 * Creates tenant, user, an ingest key and a session in one D1 batch (a transaction: all or none).
 * Throws EmailTaken when the email won a race with another sign-up.
 */
export async function createAccount(db: D1Database, input: { email: string; organization: string; password: PasswordHash; shards: number }) {
  const now = Date.now();
  const tenant = { id: newId("tnt"), name: input.organization, createdAt: now, shardCounts: JSON.stringify([input.shards]) };
  const user = {
    id: newId("usr"),
    email: input.email,
    passwordHash: input.password.hash,
    passwordSalt: input.password.salt,
    passwordIterations: input.password.iterations,
    createdAt: now,
  };
  const key = await newKeyRow(tenant.id, DEFAULT_INGEST_KEY_NAME, ["ingest"], now);
  const session = await newSessionRow(user.id, tenant.id, now);
  const d = drizzle(db);
  try {
    await d.batch([
      d.insert(tenants).values(tenant),
      d.insert(users).values(user),
      d.insert(memberships).values({ tenantId: tenant.id, userId: user.id, role: "owner", createdAt: now }),
      d.insert(apiKeys).values(key.row),
      d.insert(sessions).values(session.row),
    ]);
  } catch (error) {
    if (/UNIQUE constraint failed: users\.email/.test(String(errorText(error)))) throw new EmailTaken();
    throw error;
  }
  return {
    account: { tenant: { id: tenant.id, name: tenant.name }, user: { id: user.id, email: user.email } } satisfies Account,
    apiKey: { id: key.row.id, name: key.row.name, key: key.key, scopes: ["ingest"] as Scope[] },
    sessionToken: session.token,
  };
}

/** drizzle wraps D1's error; the SQLite message is in the cause chain. */
export function errorText(error: unknown): string {
  let text = "";
  for (let e: unknown = error; e instanceof Error; e = e.cause) text += ` ${e.message}`;
  return text;
}

/** The user with this email, with the organisation a new session starts in (the first they joined). */
export async function findLogin(db: D1Database, email: string) {
  const rows = await drizzle(db)
    .select({
      userId: users.id,
      email: users.email,
      hash: users.passwordHash,
      salt: users.passwordSalt,
      iterations: users.passwordIterations,
      tenantId: tenants.id,
      tenantName: tenants.name,
    })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(users.email, email))
    .orderBy(asc(memberships.createdAt))
    .limit(1);
  return rows[0];
}

export async function findAccount(db: D1Database, userId: string, tenantId: string): Promise<Account | undefined> {
  const rows = await drizzle(db)
    .select({ userId: users.id, email: users.email, tenantId: tenants.id, tenantName: tenants.name })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(users.id, userId), eq(tenants.id, tenantId)))
    .limit(1);
  const row = rows[0];
  return row && { tenant: { id: row.tenantId, name: row.tenantName }, user: { id: row.userId, email: row.email } };
}

/** Every organisation the user belongs to, with their role in it, in the order they joined. */
export async function userOrganizations(db: D1Database, userId: string) {
  return drizzle(db)
    .select({ id: tenants.id, name: tenants.name, role: memberships.role })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt))
    .limit(MAX_ORGANIZATIONS_LISTED);
}

/** The switcher lists this many; a user in more is an operator's edge case, not a UI one. */
const MAX_ORGANIZATIONS_LISTED = 100;

/** Replaces the user's password hash. */
export async function setPassword(db: D1Database, userId: string, password: PasswordHash): Promise<void> {
  await drizzle(db).update(users).set({ passwordHash: password.hash, passwordSalt: password.salt, passwordIterations: password.iterations }).where(eq(users.id, userId));
}

/** A user's password record, for re-checking it before a destructive action. */
export async function findPassword(db: D1Database, userId: string) {
  const rows = await drizzle(db)
    .select({ hash: users.passwordHash, salt: users.passwordSalt, iterations: users.passwordIterations })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0];
}

/**
 * Deletes an organisation's rows in one transaction: its sessions, keys, invites and audit trail;
 * the users it leaves without any organisation (their memberships go with them, by cascade) and
 * their sessions elsewhere; the other members' memberships; then the tenant.
 */
export async function deleteTenantRows(db: D1Database, tenantId: string): Promise<void> {
  const d = drizzle(db);
  const members = d.select({ id: memberships.userId }).from(memberships).where(eq(memberships.tenantId, tenantId));
  const elsewhere = d.select({ id: memberships.userId }).from(memberships).where(ne(memberships.tenantId, tenantId));
  const leftAlone = and(inArray(users.id, members), notInArray(users.id, elsewhere));
  await d.batch([
    d.delete(sessions).where(eq(sessions.tenantId, tenantId)),
    d.delete(sessions).where(and(inArray(sessions.userId, members), notInArray(sessions.userId, elsewhere))),
    d.delete(apiKeys).where(eq(apiKeys.tenantId, tenantId)),
    d.delete(invites).where(eq(invites.tenantId, tenantId)),
    d.delete(auditEvents).where(eq(auditEvents.tenantId, tenantId)),
    d.delete(users).where(leftAlone),
    d.delete(memberships).where(eq(memberships.tenantId, tenantId)),
    d.delete(tenants).where(eq(tenants.id, tenantId)),
  ]);
}
