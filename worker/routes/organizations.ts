/**
 * The organisations a user belongs to, and switching between them: the session carries the
 * organisation being worked in, so every route after a switch reads and writes the other one.
 *
 * - `GET /api/organizations` → `{current, organizations: [{id, name, role}]}`
 * - `POST /api/organizations/switch {organizationId}` → what `GET /api/me` answers, in the new one
 *   (404 for an organisation the user is not in, exactly as for one that does not exist)
 */
import { Hono } from "hono";
import { readJsonObject, stringField } from "../accounts/input";
import { findMember } from "../accounts/memberships";
import { switchSession } from "../accounts/sessions";
import { findAccount, userOrganizations } from "../accounts/users";
import { NotFound } from "../errors";
import { requireSession, sessionOf } from "../middleware/auth";

export const organizationRoutes = new Hono<{ Bindings: Env }>();

organizationRoutes.get("/api/organizations", requireSession(), async (c) =>
  c.json({ current: c.get("tenantId"), organizations: await userOrganizations(c.env.DB, sessionOf(c).userId) }),
);

organizationRoutes.post("/api/organizations/switch", requireSession(), async (c) => {
  const organizationId = stringField(await readJsonObject(c), "organizationId", { max: 64 });
  const user = sessionOf(c);
  const membership = await findMember(c.env.DB, organizationId, user.userId);
  if (!membership) throw new NotFound(`you are not a member of an organisation with id "${organizationId}"`);
  await switchSession(c.env.DB, user.sessionHash, organizationId);
  const [account, organizations] = await Promise.all([findAccount(c.env.DB, user.userId, organizationId), userOrganizations(c.env.DB, user.userId)]);
  return c.json({ ...account, role: membership.role, organizations });
});
