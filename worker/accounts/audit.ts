/**
 * The organisation's audit trail in D1: who did what, when and from where. One row an event,
 * written in the same request as the change (its cost is one small row: events are human
 * actions, never per span or per ingest request).
 *
 * Bounded per organisation, so D1 stays small: each insert also deletes the organisation's rows
 * older than AUDIT_RETENTION_MS and those past the newest AUDIT_MAX_EVENTS. Failed sign-ins are
 * capped apart (AUDIT_MAX_FAILURES): anyone who knows a member's email can cause them, and they
 * must not push key and member events out. Worst case ~(1,000 + 200) rows × ~300 B ≈ 360 KB an
 * organisation; 10,000 busy organisations ≈ 3.6 GB of D1's 10 GB, a typical one a few KB.
 */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { auditEvents, memberships } from "../db/schema";

export const AUDIT_RETENTION_MS = 90 * 24 * 3600 * 1000;
export const AUDIT_MAX_EVENTS = 1_000;
export const AUDIT_MAX_FAILURES = 200;
/** User agents can be long; what identifies a client fits in far less. */
const USER_AGENT_MAX = 256;

export const AUDIT_ACTIONS = [
  "signin",
  "signin.failure",
  "password.change",
  "sessions.revoke",
  "key.create",
  "key.revoke",
  "key.limits",
  "invite.create",
  "invite.revoke",
  "member.join",
  "member.role",
  "member.remove",
  "settings.update",
  "sampling.update",
  "sampling.rotate",
  "model-prices.update",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const FAILURE: AuditAction = "signin.failure";
/** One INSERT of a row per organisation stays under D1's 100 bound parameters (8 a row). */
const MAX_FAILURE_ORGS = 10;

export interface Actor {
  id: string | null;
  email: string | null;
}

export interface AuditEvent {
  id: number;
  at: number;
  action: string;
  actor: Actor;
  target: unknown;
  ip: string | null;
  userAgent: string | null;
}

/** Where a request came from: Cloudflare's client IP (unforgeable at the edge) and the user agent. */
export function origin(c: Context): { ip: string | null; userAgent: string | null } {
  return { ip: c.req.header("cf-connecting-ip") ?? null, userAgent: c.req.header("user-agent")?.slice(0, USER_AGENT_MAX) ?? null };
}

type Where = { ip: string | null; userAgent: string | null };

function pruneStatements(db: D1Database, tenantId: string, failures: boolean, now: number) {
  const d = drizzle(db);
  const cap = failures ? AUDIT_MAX_FAILURES : AUDIT_MAX_EVENTS;
  const kind = failures ? sql`${auditEvents.action} = ${FAILURE}` : sql`${auditEvents.action} <> ${FAILURE}`;
  return [
    d.delete(auditEvents).where(and(eq(auditEvents.tenantId, tenantId), lt(auditEvents.at, now - AUDIT_RETENTION_MS))),
    // The cap-th newest row of this kind and everything older go; the (tenant_id, id) index walks at most cap + 1 rows.
    d.delete(auditEvents).where(
      and(
        eq(auditEvents.tenantId, tenantId),
        kind,
        sql`${auditEvents.id} <= (select id from audit_events where tenant_id = ${tenantId} and ${kind} order by id desc limit 1 offset ${cap})`,
      ),
    ),
  ] as const;
}

/** Records one event of one organisation, pruning its oldest in the same batch. */
export async function recordAudit(
  db: D1Database,
  event: { tenantId: string; action: AuditAction; actor: Actor; target?: unknown; where: Where },
  now = Date.now(),
): Promise<void> {
  const d = drizzle(db);
  await d.batch([
    d.insert(auditEvents).values({
      tenantId: event.tenantId,
      at: now,
      action: event.action,
      actorId: event.actor.id,
      actorEmail: event.actor.email,
      target: event.target === undefined ? null : JSON.stringify(event.target),
      ip: event.where.ip,
      userAgent: event.where.userAgent,
    }),
    ...pruneStatements(db, event.tenantId, event.action === FAILURE, now),
  ]);
}

/**
 * Records a failed sign-in in every organisation the user belongs to (one INSERT … SELECT), so
 * each organisation's admins see attempts on their members. Pruned per organisation in the
 * same batch; a user is in few organisations.
 */
export async function recordFailedSignIn(db: D1Database, user: Actor & { id: string }, where: Where, now = Date.now()): Promise<void> {
  const d = drizzle(db);
  const orgs = await d.select({ tenantId: memberships.tenantId }).from(memberships).where(eq(memberships.userId, user.id)).limit(MAX_FAILURE_ORGS);
  if (orgs.length === 0) return;
  await d.batch([
    d.insert(auditEvents).values(
      orgs.map((o) => ({ tenantId: o.tenantId, at: now, action: FAILURE, actorId: user.id, actorEmail: user.email, target: null, ip: where.ip, userAgent: where.userAgent })),
    ),
    ...orgs.flatMap((o) => pruneStatements(db, o.tenantId, true, now)),
  ]);
}

/** The organisation's events, newest first; `before` pages back by id. */
export async function listAudit(db: D1Database, tenantId: string, limit: number, before?: number): Promise<AuditEvent[]> {
  const rows = await drizzle(db)
    .select()
    .from(auditEvents)
    .where(before === undefined ? eq(auditEvents.tenantId, tenantId) : and(eq(auditEvents.tenantId, tenantId), lt(auditEvents.id, before)))
    .orderBy(desc(auditEvents.id))
    .limit(limit);
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    action: row.action,
    actor: { id: row.actorId, email: row.actorEmail },
    target: row.target === null ? null : parseTarget(row.target),
    ip: row.ip,
    userAgent: row.userAgent,
  }));
}

function parseTarget(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}
