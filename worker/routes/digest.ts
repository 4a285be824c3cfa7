/**
 * `GET /api/traces/{traceId}/digest`: one trace as an LLM-ready digest (worker/digest) — Markdown
 * by default (what "Copy for AI" copies), JSON with `Accept: application/json`. Read like any trace:
 * a `read` key or a session, the caller's tenant only.
 */
import { Hono } from "hono";
import { renderMarkdown } from "../digest/markdown";
import { NotFound } from "../errors";
import { requireReader } from "../middleware/auth";
import { InvalidParameter } from "../query/errors";
import { parseTraceId } from "../query/read-trace";
import { readTraceDigest } from "../query/trace-digest";

export const digestRoutes = new Hono<{ Bindings: Env }>();

digestRoutes.get("/api/traces/:traceId/digest", requireReader(), async (c) => {
  const raw = c.req.param("traceId");
  const traceId = parseTraceId(raw);
  if (!traceId) throw new InvalidParameter("traceID", `trace id must be 1 to 32 hex digits, got "${raw.slice(0, 64)}"`);
  const digest = await readTraceDigest(c.env, c.get("tenant"), traceId, new URL(c.req.url).origin);
  if (!digest) throw new NotFound(`trace ${raw.slice(0, 64)} not found`);
  c.header("vary", "accept");
  if (wantsJson(c.req.header("accept") ?? "")) return c.json(digest);
  return c.body(renderMarkdown(digest), 200, { "content-type": "text/markdown; charset=utf-8" });
});

/** JSON only when asked for by name, and not ranked below Markdown or plain text. */
function wantsJson(accept: string): boolean {
  const ranked = accept
    .split(",")
    .map((part) => {
      const [type = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.q > 0);
  const json = ranked.find((e) => e.type === "application/json");
  if (!json) return false;
  return !ranked.some((e) => (e.type === "text/markdown" || e.type === "text/plain") && e.q > json.q);
}
