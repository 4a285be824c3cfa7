/**
 * An organisation's members and their roles. Every change that could leave an organisation
 * without an owner is one conditional statement (D1 runs statements one at a time), so two
 * owners demoting each other at once cannot both succeed.
 */
import { and, asc, eq, notExists, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { memberships, sessions, users } from "../db/schema";
import { parseRole, type Role } from "./roles";

export interface Member {
  userId: string;
  email: string;
  role: Role;
  joinedAt: number;
}

/** An organisation holds at most this many members: D1 stays small, and the Members page one page. */
export const MAX_MEMBERS = 500;

export async function listMembers(db: D1Database, tenantId: string): Promise<Member[]> {
  const rows = await drizzle(db)
    .select({ userId: memberships.userId, email: users.email, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, tenantId))
    .orderBy(asc(memberships.createdAt), asc(memberships.userId))
    .limit(MAX_MEMBERS);
  return rows.map((row) => ({ ...row, role: parseRole(row.role) }));
}

export async function countMembers(db: D1Database, tenantId: string): Promise<number> {
  const rows = await drizzle(db).select({ n: sql<number>`count(*)` }).from(memberships).where(eq(memberships.tenantId, tenantId));
  return rows[0]?.n ?? 0;
}

export async function findMember(db: D1Database, tenantId: string, userId: string): Promise<Member | undefined> {
  const rows = await drizzle(db)
    .select({ userId: memberships.userId, email: users.email, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
    .limit(1);
  const row = rows[0];
  return row && { ...row, role: parseRole(row.role) };
}

/** Whether the user with this email is already in the organisation (one indexed lookup each side). */
export async function isMemberByEmail(db: D1Database, tenantId: string, email: string): Promise<boolean> {
  const rows = await drizzle(db)
    .select({ userId: memberships.userId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), eq(users.email, email)))
    .limit(1);
  return rows.length > 0;
}

/** True unless the row is the organisation's only owner: the condition every demotion and removal carries. */
function notLastOwner(tenantId: string) {
  return sql`(${memberships.role} <> 'owner' or (select count(*) from memberships where tenant_id = ${tenantId} and role = 'owner') > 1)`;
}

export type MemberChange = "done" | "not_found" | "last_owner";

export async function changeRole(db: D1Database, tenantId: string, userId: string, role: Role): Promise<MemberChange> {
  const where = and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId));
  const guard = role === "owner" ? where : and(where, notLastOwner(tenantId));
  const changed = await drizzle(db).update(memberships).set({ role }).where(guard).returning({ userId: memberships.userId });
  if (changed.length > 0) return "done";
  return (await findMember(db, tenantId, userId)) ? "last_owner" : "not_found";
}

/**
 * Removes a member (or a member leaving): their membership, their sessions in this organisation,
 * and the user themself when this was their last organisation — a login that belongs nowhere
 * could do nothing. One transaction; each step after the first acts only if the first did.
 */
export async function removeMember(db: D1Database, tenantId: string, userId: string): Promise<MemberChange> {
  const d = drizzle(db);
  const membership = and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId));
  const [removed] = await d.batch([
    d.delete(memberships).where(and(membership, notLastOwner(tenantId))).returning({ userId: memberships.userId }),
    d.delete(sessions).where(and(eq(sessions.userId, userId), eq(sessions.tenantId, tenantId), notExists(d.select({ one: sql`1` }).from(memberships).where(membership)))),
    d.delete(users).where(and(eq(users.id, userId), notExists(d.select({ one: sql`1` }).from(memberships).where(eq(memberships.userId, userId))))),
  ]);
  if (removed.length > 0) return "done";
  return (await findMember(db, tenantId, userId)) ? "last_owner" : "not_found";
}
