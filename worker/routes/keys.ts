/**
 * API key management for a logged-in user: list, create (the key is shown once), change a key's
 * caps, revoke. Another tenant's key is answered exactly like a key that does not exist (404).
 *
 * A key's caps (`limits: {spansPerSecond, spansPerDay}`, null: none) protect its owner's budget:
 * the ingest limiter enforces them beside the plan's limits (worker/limits/).
 */
import { Hono } from "hono";
import { createKey, listKeys, NO_LIMITS, revokeKey, updateKeyLimits } from "../accounts/api-keys";
import { keyLimitsField, nameField, readJsonObject, scopesField } from "../accounts/input";
import { BadRequest, NotFound } from "../errors";
import { isolateLeases, LeaseBook } from "../limits/lease";
import { requireSession } from "../middleware/auth";

export const keyRoutes = new Hono<{ Bindings: Env }>();

keyRoutes.get("/api/keys", requireSession(), async (c) => c.json({ keys: await listKeys(c.env.DB, c.get("tenantId")) }));

keyRoutes.post("/api/keys", requireSession(), async (c) => {
  const body = await readJsonObject(c);
  const name = nameField(body, "name");
  const scopes = scopesField(body);
  const limits = { ...NO_LIMITS, ...keyLimitsField(body) };
  return c.json(await createKey(c.env.DB, c.get("tenantId"), name, scopes, limits), 201);
});

keyRoutes.patch("/api/keys/:id", requireSession(), async (c) => {
  const id = c.req.param("id");
  const body = await readJsonObject(c);
  const unknown = Object.keys(body).find((field) => field !== "limits");
  if (unknown !== undefined) throw new BadRequest(`a key's "${unknown.slice(0, 40)}" cannot be changed; send {"limits": {…}}`, unknown.slice(0, 40));
  if (body.limits === undefined) throw new BadRequest('send {"limits": {"spansPerSecond": …, "spansPerDay": …}} (null removes a cap)', "limits");
  const key = await updateKeyLimits(c.env.DB, c.get("tenantId"), id, keyLimitsField(body));
  if (!key) throw new NotFound(`no API key with id "${id.slice(0, 64)}"`);
  // This isolate's lease was granted under the old caps: the next request asks under the new ones.
  isolateLeases.retire(LeaseBook.id(c.get("tenantId"), id));
  return c.json(key);
});

keyRoutes.delete("/api/keys/:id", requireSession(), async (c) => {
  const id = c.req.param("id");
  if (!(await revokeKey(c.env.DB, c.get("tenantId"), id))) throw new NotFound(`no API key with id "${id.slice(0, 64)}"`);
  return c.body(null, 204);
});
