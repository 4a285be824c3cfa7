/**
 * Invitations to an organisation. An invite is a link carrying a single-use token (`eti_` + 32
 * random bytes): D1 keeps only its SHA-256, as for keys and sessions, and the row is deleted when
 * the invite is accepted, revoked or replaced. The token travels in the link's fragment
 * (`/invite#eti_…`), which browsers never send to a server or in a Referer.
 *
 * No email provider is configured, so the link is shown to the admin to pass on; with one, the
 * same link would be mailed to the invitee.
 */
import { and, asc, count, eq, gt, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { invites, type sessions, tenants } from "../db/schema";
import { newId, randomBytes, sha256Hex, toBase64Url } from "./crypto";
import type { PasswordHash } from "./passwords";
import { parseRole, type Role } from "./roles";
import { EmailTaken, errorText } from "./users";

export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
/** Pending invites an organisation may hold: the table stays small, a runaway script stops early. */
export const MAX_PENDING_INVITES = 100;
const TOKEN_PATTERN = /^eti_[A-Za-z0-9_-]{43}$/;

export interface InviteListing {
  id: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
}

export interface PendingInvite extends InviteListing {
  tenantId: string;
  organization: string;
}

export function inviteUrl(origin: string, token: string): string {
  return `${origin}/invite#${token}`;
}

export function looksLikeInviteToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

function listingOf(row: typeof invites.$inferSelect): InviteListing {
  return { id: row.id, email: row.email, role: parseRole(row.role), invitedBy: row.invitedByEmail, createdAt: row.createdAt, expiresAt: row.expiresAt };
}

export async function pendingInviteCount(db: D1Database, tenantId: string, now = Date.now()): Promise<number> {
  const rows = await drizzle(db)
    .select({ n: count() })
    .from(invites)
    .where(and(eq(invites.tenantId, tenantId), gt(invites.expiresAt, now)));
  return rows[0]?.n ?? 0;
}

/**
 * Creates an invite; an earlier one for the same email is replaced (its link stops working), and
 * the organisation's expired invites are deleted in the same batch.
 */
export async function createInvite(
  db: D1Database,
  input: { tenantId: string; email: string; role: Role; invitedBy: { id: string; email: string } },
  now = Date.now(),
) {
  const token = `eti_${toBase64Url(randomBytes(32))}`;
  const row = {
    id: newId("inv"),
    tenantId: input.tenantId,
    email: input.email,
    role: input.role,
    tokenHash: await sha256Hex(token),
    invitedBy: input.invitedBy.id,
    invitedByEmail: input.invitedBy.email,
    createdAt: now,
    expiresAt: now + INVITE_TTL_MS,
  } satisfies typeof invites.$inferInsert;
  const d = drizzle(db);
  await d.batch([
    d.delete(invites).where(and(eq(invites.tenantId, input.tenantId), lte(invites.expiresAt, now))),
    d.delete(invites).where(and(eq(invites.tenantId, input.tenantId), eq(invites.email, input.email))),
    d.insert(invites).values(row),
  ]);
  return { invite: listingOf(row), token };
}

export async function listInvites(db: D1Database, tenantId: string, now = Date.now()): Promise<InviteListing[]> {
  const rows = await drizzle(db)
    .select()
    .from(invites)
    .where(and(eq(invites.tenantId, tenantId), gt(invites.expiresAt, now)))
    .orderBy(asc(invites.createdAt))
    .limit(MAX_PENDING_INVITES);
  return rows.map(listingOf);
}

/** Revokes a pending invite of this organisation; false when it has none with this id. */
export async function revokeInvite(db: D1Database, tenantId: string, id: string): Promise<InviteListing | null> {
  const rows = await drizzle(db)
    .delete(invites)
    .where(and(eq(invites.id, id), eq(invites.tenantId, tenantId)))
    .returning();
  const row = rows[0];
  return row ? listingOf(row) : null;
}

/** The unexpired invite with this token, and its organisation's name; null otherwise. */
export async function findInvite(db: D1Database, token: string, now = Date.now()): Promise<(PendingInvite & { tokenHash: string }) | null> {
  if (!looksLikeInviteToken(token)) return null;
  const tokenHash = await sha256Hex(token);
  const rows = await drizzle(db)
    .select({ invite: invites, organization: tenants.name })
    .from(invites)
    .innerJoin(tenants, eq(tenants.id, invites.tenantId))
    .where(and(eq(invites.tokenHash, tokenHash), gt(invites.expiresAt, now)))
    .limit(1);
  const row = rows[0];
  return row ? { ...listingOf(row.invite), tenantId: row.invite.tenantId, organization: row.organization, tokenHash } : null;
}

export class InviteGone extends Error {}
export class AlreadyMember extends Error {}

/**
 * Accepts an invite in one transaction: (creates the user,) adds the membership, deletes the
 * invite and starts a session in the organisation. The membership takes its organisation and
 * role from the invite row itself, so an invite revoked or used meanwhile makes the insert fail
 * (NOT NULL) and the whole batch roll back: a token is good for one membership only.
 */
export async function acceptInvite(
  db: D1Database,
  invite: { id: string },
  user: { id: string; newUser?: { email: string; password: PasswordHash } },
  session: { row: typeof sessions.$inferInsert; replaces?: string },
  now = Date.now(),
): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  if (user.newUser) {
    const { email, password } = user.newUser;
    statements.push(
      db
        .prepare("insert into users (id, email, password_hash, password_salt, password_iterations, created_at) values (?, ?, ?, ?, ?, ?)")
        .bind(user.id, email, password.hash, password.salt, password.iterations, now),
    );
  }
  statements.push(
    db
      .prepare(
        "insert into memberships (tenant_id, user_id, role, created_at) values ((select tenant_id from invites where id = ?1 and expires_at > ?3), ?2, (select role from invites where id = ?1 and expires_at > ?3), ?3)",
      )
      .bind(invite.id, user.id, now),
    db.prepare("delete from invites where id = ?").bind(invite.id),
  );
  const s = session.row;
  statements.push(
    db
      .prepare("insert into sessions (token_hash, user_id, tenant_id, created_at, expires_at, last_seen_at) values (?, ?, ?, ?, ?, ?)")
      .bind(s.tokenHash, s.userId, s.tenantId, s.createdAt, s.expiresAt, s.lastSeenAt ?? now),
  );
  if (session.replaces !== undefined) statements.push(db.prepare("delete from sessions where token_hash = ?").bind(session.replaces));
  try {
    await db.batch(statements);
  } catch (error) {
    const text = errorText(error);
    if (/NOT NULL constraint failed: memberships/.test(text)) throw new InviteGone();
    if (/UNIQUE constraint failed: users\.email/.test(text)) throw new EmailTaken();
    if (/UNIQUE constraint failed: memberships/.test(text)) throw new AlreadyMember();
    throw error;
  }
}
