/**
 * API key management for a logged-in user: list, create (the key is shown once), revoke.
 * Another tenant's key is answered exactly like a key that does not exist (404).
 */
import { Hono } from "hono";
import { createKey, listKeys, revokeKey } from "../accounts/api-keys";
import { nameField, readJsonObject, scopesField } from "../accounts/input";
import { NotFound } from "../errors";
import { requireSession } from "../middleware/auth";

export const keyRoutes = new Hono<{ Bindings: Env }>();

keyRoutes.get("/api/keys", requireSession(), async (c) => c.json({ keys: await listKeys(c.env.DB, c.get("tenantId")) }));

keyRoutes.post("/api/keys", requireSession(), async (c) => {
  const body = await readJsonObject(c);
  const name = nameField(body, "name");
  const scopes = scopesField(body);
  return c.json(await createKey(c.env.DB, c.get("tenantId"), name, scopes), 201);
});

keyRoutes.delete("/api/keys/:id", requireSession(), async (c) => {
  const id = c.req.param("id");
  if (!(await revokeKey(c.env.DB, c.get("tenantId"), id))) throw new NotFound(`no API key with id "${id.slice(0, 64)}"`);
  return c.body(null, 204);
});
