/**
 * The edgetrace Worker: one hono app, one router a resource, one error envelope.
 */
import { Hono } from "hono";
import { HttpError } from "./errors";
import { accountRoutes } from "./routes/account";
import { keyRoutes } from "./routes/keys";
import { otlpRoutes } from "./routes/otlp";
import { jaegerRoutes } from "./routes/jaeger";
import { jaegerV3Routes } from "./routes/jaeger-v3";
import { usageRoutes } from "./routes/usage";
import { settingsRoutes } from "./routes/settings";
import { archiveRoutes } from "./routes/archive";
import { adminRoutes } from "./routes/admin";
import { metricsRoutes } from "./routes/metrics";
import { samplingRoutes } from "./routes/sampling";
import { digestRoutes } from "./routes/digest";
import { mcpRoutes } from "./routes/mcp";
import { propagationRoutes } from "./routes/propagation";
import { memberRoutes } from "./routes/members";
import { inviteRoutes } from "./routes/invites";
import { organizationRoutes } from "./routes/organizations";
import { sessionRoutes } from "./routes/sessions";
import { auditRoutes } from "./routes/audit";
import { genAiRoutes } from "./routes/genai";
import { guardD1 } from "./storage/sql-guard";
import { securityHeaders } from "./middleware/security-headers";
import { sameSiteWrites } from "./middleware/same-site";

export const app = new Hono<{ Bindings: Env }>();

// First, so every answer (errors and refusals included) carries them.
app.use(securityHeaders());

// Every D1 statement passes production's SQL limits check, so local runs fail where production would.
app.use(async function guardDatabase(c, next) {
  c.env = { ...c.env, DB: guardD1(c.env.DB) };
  await next();
});

// Before any route: a cross-site write riding the session cookie, or a cross-site login, is refused unread.
app.use(sameSiteWrites());

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/", otlpRoutes);
app.route("/", accountRoutes);
app.route("/", keyRoutes);
app.route("/", jaegerRoutes);
app.route("/", jaegerV3Routes);
app.route("/", usageRoutes);
app.route("/", settingsRoutes);
app.route("/", archiveRoutes);
app.route("/", adminRoutes);
app.route("/", metricsRoutes);
app.route("/", samplingRoutes);
app.route("/", digestRoutes);
app.route("/", mcpRoutes);
app.route("/", propagationRoutes);
app.route("/", memberRoutes);
app.route("/", inviteRoutes);
app.route("/", organizationRoutes);
app.route("/", sessionRoutes);
app.route("/", auditRoutes);
app.route("/", genAiRoutes);

app.notFound((c) => c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

app.onError((error, c) => {
  if (error instanceof HttpError) {
    if (error.retryAfter !== undefined) c.header("retry-after", String(error.retryAfter));
    return c.json(error.toJSON(), error.status);
  }
  if (error instanceof SyntaxError) {
    return c.json({ error: { code: "bad_request", message: `invalid JSON body: ${error.message}` } }, 400);
  }
  console.error("unexpected error", error);
  return c.json({ error: { code: "internal", message: "internal error" } }, 500);
});
