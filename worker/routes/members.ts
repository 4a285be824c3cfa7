/**
 * An organisation's members.
 *
 * - `GET /api/members` (any member) → `{members: [{userId, email, role, joinedAt}]}`
 * - `PATCH /api/members/{userId} {role}` (admin+; only owners grant or take away the owner role)
 * - `DELETE /api/members/{userId}` (admin+, or anyone removing themself: leaving)
 *
 * The last owner can be neither demoted nor removed (409): an organisation always has one.
 * A removed member's sessions in the organisation end at once; a user left in no organisation is deleted.
 */
import { Hono } from "hono";
import { origin, recordAudit } from "../accounts/audit";
import { readJsonObject } from "../accounts/input";
import { changeRole, findMember, listMembers, removeMember, type MemberChange } from "../accounts/memberships";
import { atLeast, roleField } from "../accounts/roles";
import { clearSessionCookie } from "../accounts/sessions";
import { BadRequest, Conflict, Forbidden, NotFound } from "../errors";
import { requireSession, sessionOf } from "../middleware/auth";

export const memberRoutes = new Hono<{ Bindings: Env }>();

const LAST_OWNER = "the organisation's last owner can be neither demoted nor removed: make another member owner first";

function settle(outcome: MemberChange, id: string): void {
  if (outcome === "not_found") throw new NotFound(`no member with id "${id.slice(0, 64)}"`);
  if (outcome === "last_owner") throw new Conflict(LAST_OWNER, "role");
}

memberRoutes.get("/api/members", requireSession(), async (c) => c.json({ members: await listMembers(c.env.DB, c.get("tenantId")) }));

memberRoutes.patch("/api/members/:id", requireSession("admin"), async (c) => {
  const id = c.req.param("id");
  const body = await readJsonObject(c);
  const unknown = Object.keys(body).find((field) => field !== "role");
  if (unknown !== undefined) throw new BadRequest(`a member's "${unknown.slice(0, 40)}" cannot be changed; send {"role": …}`, unknown.slice(0, 40));
  const role = roleField(body);
  const user = sessionOf(c);
  const tenantId = c.get("tenantId");
  const target = await findMember(c.env.DB, tenantId, id);
  if (!target) throw new NotFound(`no member with id "${id.slice(0, 64)}"`);
  if ((role === "owner" || target.role === "owner") && user.role !== "owner") throw new Forbidden("only owners may make or unmake owners");
  settle(await changeRole(c.env.DB, tenantId, id, role), id);
  await recordAudit(c.env.DB, { tenantId, action: "member.role", actor: { id: user.userId, email: user.email }, target: { id, email: target.email, from: target.role, to: role }, where: origin(c) });
  return c.json({ ...target, role });
});

memberRoutes.delete("/api/members/:id", requireSession(), async (c) => {
  const id = c.req.param("id");
  const user = sessionOf(c);
  const tenantId = c.get("tenantId");
  const leaving = id === user.userId;
  if (!leaving && !atLeast(user.role, "admin")) throw new Forbidden("removing other members needs the admin role or higher");
  const target = await findMember(c.env.DB, tenantId, id);
  if (!target) throw new NotFound(`no member with id "${id.slice(0, 64)}"`);
  if (!leaving && target.role === "owner" && user.role !== "owner") throw new Forbidden("only owners may remove owners");
  settle(await removeMember(c.env.DB, tenantId, id), id);
  await recordAudit(c.env.DB, { tenantId, action: "member.remove", actor: { id: user.userId, email: user.email }, target: { id, email: target.email, role: target.role }, where: origin(c) });
  // Leaving ends this session (it was in this organisation); the app signs in again or switches.
  if (leaving) clearSessionCookie(c);
  return c.body(null, 204);
});
