/**
 * `GET /api/audit?limit=&before=` (admins and owners): the organisation's audit trail, newest
 * first — key, member, invite, setting and sign-in events (failed ones too) with who, when and
 * from where (IP, user agent). `before` (an event id) pages back; `next` is the id to ask with.
 * Kept 90 days, at most the newest 1,000 events (worker/accounts/audit.ts).
 */
import { Hono } from "hono";
import { listAudit } from "../accounts/audit";
import { BadRequest } from "../errors";
import { requireSession } from "../middleware/auth";

export const auditRoutes = new Hono<{ Bindings: Env }>();

const MAX_PAGE = 200;

function wholeNumber(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new BadRequest(`"${name}" must be a whole number from 1 to ${max}`, name);
  return n;
}

auditRoutes.get("/api/audit", requireSession("admin"), async (c) => {
  const limit = wholeNumber("limit", c.req.query("limit"), MAX_PAGE) ?? 100;
  const before = wholeNumber("before", c.req.query("before"), Number.MAX_SAFE_INTEGER);
  const events = await listAudit(c.env.DB, c.get("tenantId"), limit, before);
  const last = events.at(-1);
  return c.json({ events, next: events.length === limit && last ? last.id : null });
});
