/**
 * Sampling: the tenant's head-sampling strategies (served over Jaeger's remote-sampling
 * protocol), its tail policy and adaptive mode.
 *
 * - `GET /api/sampling` (session or read key): `{endpoint, strategies, tail, adaptive}`, where
 *   `endpoint` is exactly what to give a stock remote sampler.
 * - `PUT /api/sampling` (admins and owners): any of `strategies`, `tail`, `adaptive`
 *   replaces that part.
 * - `POST /api/sampling/rotate` (admins and owners): a new sampling id; the old endpoint answers 404
 *   within the cache TTL.
 * - `GET /t/{samplingId}/sampling?service=` and `/t/{samplingId}/api/sampling?service=` (no
 *   credentials — samplers send none): Jaeger's sampling JSON for the service. The id reads the
 *   strategies only; with adaptive mode on, the answer also names the service's root operations.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { readJsonObject } from "../accounts/input";
import { BadRequest, NotFound } from "../errors";
import { origin, recordAudit } from "../accounts/audit";
import { requireReader, requireSession, sessionOf } from "../middleware/auth";
import { tenantAdaptiveTable } from "../query/adaptive-sampling";
import { adaptiveAnswer } from "../sampling/adaptive";
import { applyUpdate, type SamplingSettings } from "../sampling/settings";
import { strategyFor } from "../sampling/strategies";
import { rotateSamplingId, samplingById, SAMPLING_CACHE_TTL_MS, saveSampling, tenantSampling } from "../storage/sampling-directory";

export const samplingRoutes = new Hono<{ Bindings: Env }>();

/**
 * A refused setting: a 400 in our envelope (with the field, for the form) that also carries
 * Jaeger's `errors[]`, so a client written for Jaeger's API reads the reason too.
 */
export class InvalidSampling extends BadRequest {
  override toJSON() {
    return { ...super.toJSON(), data: null, errors: [{ code: 400, msg: this.message }] };
  }
}

function view(c: Context, samplingId: string, settings: SamplingSettings) {
  return { endpoint: `${new URL(c.req.url).origin}/t/${samplingId}`, ...settings };
}

samplingRoutes.get("/api/sampling", requireReader(), async (c) => {
  const { samplingId, settings } = await tenantSampling(c.env.DB, c.get("tenantId"));
  return c.json(view(c, samplingId, settings));
});

samplingRoutes.put("/api/sampling", requireSession("admin"), async (c) => {
  const body = await readJsonObject(c);
  const tenantId = c.get("tenantId");
  const { samplingId, settings } = await tenantSampling(c.env.DB, tenantId);
  const updated = applyUpdate(settings, body);
  if ("error" in updated) throw new InvalidSampling(updated.error, updated.field || undefined);
  await saveSampling(c.env.DB, tenantId, samplingId, updated.value);
  const user = sessionOf(c);
  await recordAudit(c.env.DB, { tenantId, action: "sampling.update", actor: { id: user.userId, email: user.email }, target: { parts: Object.keys(body).slice(0, 5) }, where: origin(c) });
  return c.json(view(c, samplingId, updated.value));
});

samplingRoutes.post("/api/sampling/rotate", requireSession("admin"), async (c) => {
  const tenantId = c.get("tenantId");
  const { samplingId, settings } = await tenantSampling(c.env.DB, tenantId);
  const next = await rotateSamplingId(c.env.DB, tenantId, samplingId);
  const user = sessionOf(c);
  await recordAudit(c.env.DB, { tenantId, action: "sampling.rotate", actor: { id: user.userId, email: user.email }, where: origin(c) });
  return c.json(view(c, next, settings));
});

async function serveStrategy(c: Context<{ Bindings: Env }>) {
  const services = new URL(c.req.url).searchParams.getAll("service");
  // Jaeger's handler answers exactly this, as plain text.
  if (services.length !== 1) return c.text("'service' parameter must be provided once", 400);
  const record = await samplingById(c.env.DB, c.req.param("samplingId") ?? "");
  if (!record) throw new NotFound("unknown sampling id: copy the endpoint from the Sampling page again (it may have been rotated)");
  const service = services[0] ?? "";
  const { settings } = record;
  let answer = strategyFor(settings.strategies, service);
  if (settings.adaptive.enabled) {
    const table = await tenantAdaptiveTable(c.env, record.tenantId, settings);
    answer = adaptiveAnswer(answer, table.get(service), { targetTracesPerSecond: settings.adaptive.targetTracesPerSecond });
  }
  // Samplers poll about once a minute; a change (or a rotation) is seen within the directory's TTL anyway.
  c.header("cache-control", `public, max-age=${SAMPLING_CACHE_TTL_MS / 1000}`);
  return c.json(answer);
}

samplingRoutes.get("/t/:samplingId/sampling", serveStrategy);
samplingRoutes.get("/t/:samplingId/api/sampling", serveStrategy);

/**
 * wrangler.toml sends `/sampling` to the Worker before the web app (it is the path Jaeger agents
 * serve). There is no tenant in it, so a sampler is pointed at its own endpoint; a browser opening
 * the app's Sampling page is sent to `/sampling/`, which the app serves and routes as `/sampling`.
 */
samplingRoutes.get("/sampling", (c) => {
  if (c.req.query("service") === undefined && (c.req.header("accept") ?? "").includes("text/html")) return c.redirect("/sampling/", 302);
  throw new NotFound("this server has no shared sampling endpoint: use the tenant's endpoint from GET /api/sampling ({origin}/t/{samplingId}/sampling?service=…)");
});
