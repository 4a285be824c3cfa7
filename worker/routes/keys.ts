/**
 * API key management for a logged-in user: list, create (the key is shown once), change a key's
 * caps, revoke. Another tenant's key is answered exactly like a key that does not exist (404).
 *
 * Roles: members create keys and see and revoke the keys they created; admins and owners see
 * and revoke every key of the organisation and set caps. Every change is in the audit trail.
 *
 * A key's caps (`limits: {spansPerSecond, spansPerDay}`, null: none) protect its owner's budget:
 * the ingest limiter enforces them beside the plan's limits (worker/limits/).
 */
import { Hono } from "hono";
import { createKey, keyCreator, listKeys, NO_LIMITS, revokeKey, updateKeyLimits } from "../accounts/api-keys";
import { origin, recordAudit } from "../accounts/audit";
import { keyLimitsField, nameField, readJsonObject, scopesField } from "../accounts/input";
import { atLeast } from "../accounts/roles";
import { BadRequest, Forbidden, NotFound } from "../errors";
import { isolateLeases, LeaseBook } from "../limits/lease";
import { requireSession, sessionOf } from "../middleware/auth";

export const keyRoutes = new Hono<{ Bindings: Env }>();

keyRoutes.get("/api/keys", requireSession("member"), async (c) => {
  const user = sessionOf(c);
  const mine = atLeast(user.role, "admin") ? undefined : user.userId;
  return c.json({ keys: await listKeys(c.env.DB, c.get("tenantId"), mine) });
});

keyRoutes.post("/api/keys", requireSession("member"), async (c) => {
  const body = await readJsonObject(c);
  const name = nameField(body, "name");
  const scopes = scopesField(body);
  const user = sessionOf(c);
  const limits = { ...NO_LIMITS, ...keyLimitsField(body) };
  if (!atLeast(user.role, "admin") && (limits.spansPerDay !== null || limits.spansPerSecond !== null)) {
    throw new Forbidden("setting a key's limits needs the admin role or higher");
  }
  const created = await createKey(c.env.DB, c.get("tenantId"), name, scopes, limits, user.userId);
  await recordAudit(c.env.DB, { tenantId: c.get("tenantId"), action: "key.create", actor: { id: user.userId, email: user.email }, target: { id: created.id, name, scopes }, where: origin(c) });
  return c.json(created, 201);
});

keyRoutes.patch("/api/keys/:id", requireSession("admin"), async (c) => {
  const id = c.req.param("id");
  const body = await readJsonObject(c);
  const unknown = Object.keys(body).find((field) => field !== "limits");
  if (unknown !== undefined) throw new BadRequest(`a key's "${unknown.slice(0, 40)}" cannot be changed; send {"limits": {…}}`, unknown.slice(0, 40));
  if (body.limits === undefined) throw new BadRequest('send {"limits": {"spansPerSecond": …, "spansPerDay": …}} (null removes a cap)', "limits");
  const key = await updateKeyLimits(c.env.DB, c.get("tenantId"), id, keyLimitsField(body));
  if (!key) throw new NotFound(`no API key with id "${id.slice(0, 64)}"`);
  // This isolate's lease was granted under the old caps: the next request asks under the new ones.
  isolateLeases.retire(LeaseBook.id(c.get("tenantId"), id));
  const user = sessionOf(c);
  await recordAudit(c.env.DB, { tenantId: c.get("tenantId"), action: "key.limits", actor: { id: user.userId, email: user.email }, target: { id: key.id, name: key.name, limits: key.limits }, where: origin(c) });
  return c.json(key);
});

keyRoutes.delete("/api/keys/:id", requireSession("member"), async (c) => {
  const id = c.req.param("id");
  const tenantId = c.get("tenantId");
  const user = sessionOf(c);
  const creator = await keyCreator(c.env.DB, tenantId, id);
  if (creator === undefined) throw new NotFound(`no API key with id "${id.slice(0, 64)}"`);
  if (!atLeast(user.role, "admin") && creator !== user.userId) throw new Forbidden("members may revoke only the keys they created; ask an admin");
  if (!(await revokeKey(c.env.DB, tenantId, id))) throw new NotFound(`no API key with id "${id.slice(0, 64)}"`);
  await recordAudit(c.env.DB, { tenantId, action: "key.revoke", actor: { id: user.userId, email: user.email }, target: { id }, where: origin(c) });
  return c.body(null, 204);
});
