/**
 * A signed-in user's own sessions and password.
 *
 * - `PUT /api/password {currentPassword, newPassword}` → 204; every other session of the user
 *   ends (a stolen session does not outlive the password change), this one stays.
 * - `DELETE /api/sessions` → 204: "sign out everywhere" — every session of the user, this one too.
 */
import { Hono } from "hono";
import { origin, recordAudit } from "../accounts/audit";
import { MIN_PASSWORD_LENGTH, readJsonObject, stringField } from "../accounts/input";
import { hashPassword, verifyPassword } from "../accounts/passwords";
import { clearSessionCookie, deleteUserSessions } from "../accounts/sessions";
import { findPassword, setPassword } from "../accounts/users";
import { Forbidden } from "../errors";
import { requireSession, sessionOf } from "../middleware/auth";

export const sessionRoutes = new Hono<{ Bindings: Env }>();

sessionRoutes.put("/api/password", requireSession(), async (c) => {
  const body = await readJsonObject(c);
  const current = stringField(body, "currentPassword", { max: 1024, label: "current password" });
  const next = stringField(body, "newPassword", { min: MIN_PASSWORD_LENGTH, max: 1024, label: "new password" });
  const user = sessionOf(c);
  const record = await findPassword(c.env.DB, user.userId);
  if (!record || !(await verifyPassword(current, record))) throw new Forbidden("wrong current password: the password was not changed");
  await setPassword(c.env.DB, user.userId, await hashPassword(next));
  await deleteUserSessions(c.env.DB, user.userId, user.sessionHash);
  await recordAudit(c.env.DB, { tenantId: c.get("tenantId"), action: "password.change", actor: { id: user.userId, email: user.email }, where: origin(c) });
  return c.body(null, 204);
});

sessionRoutes.delete("/api/sessions", requireSession(), async (c) => {
  const user = sessionOf(c);
  await deleteUserSessions(c.env.DB, user.userId);
  await recordAudit(c.env.DB, { tenantId: c.get("tenantId"), action: "sessions.revoke", actor: { id: user.userId, email: user.email }, where: origin(c) });
  clearSessionCookie(c);
  return c.body(null, 204);
});
