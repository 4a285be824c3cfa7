/**
 * Refuses cross-site writes that ride the browser's session cookie (CSRF), and cross-site logins
 * (login CSRF: a foreign form signing the victim into the attacker's organisation, whose keys the
 * victim would then fill with telemetry). Applied once, app-wide, so every route added later is
 * covered by default.
 *
 * A request is checked when its method can change state (anything but GET, HEAD, OPTIONS) and it
 * carries the session cookie or opens a session (login, sign-up). An API key beside the cookie
 * does not exempt it: a browser may attach cached Basic credentials to a cross-site request, and
 * session routes ignore keys. Such a request is refused with 403, before any handler runs (no
 * effect, no Set-Cookie), when:
 * - its body is not `application/json`. Browsers send a cross-site form or a no-CORS fetch only
 *   as text/plain, form-urlencoded or multipart; JSON needs a CORS preflight, which we never grant;
 * - `Sec-Fetch-Site` says anything but `same-origin` (or `none`, a user's own action), or
 *   `Origin` names another origin (or `null`, an opaque one).
 * Clients that send neither header (curl, scripts, the README's examples) are not browsers and pass;
 * key-authenticated clients (exporters, Grafana) send no session cookie and are never checked.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { readSessionCookie } from "../accounts/sessions";
import { Forbidden } from "../errors";

/** Methods that never change state here: a cross-site GET cannot act. */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Routes that set a session cookie without one: checked even when the browser sends no cookie.
 * A route that answers with a new session (e.g. accepting an invitation) belongs here.
 */
export const SESSION_ENTRY_PATHS: ReadonlySet<string> = new Set(["/api/login", "/api/signup", "/api/invites/lookup", "/api/invites/accept"]);

/** `Sec-Fetch-Site` values of a request our own pages (or the user) made. */
const OWN_FETCH_SITES: ReadonlySet<string> = new Set(["same-origin", "none"]);

export function sameSiteWrites() {
  return createMiddleware<{ Bindings: Env }>(async function sameSiteWrites(c, next) {
    if (SAFE_METHODS.has(c.req.method) || !needsCheck(c)) return next();
    const reason = foreignOrigin(c) ?? notJson(c);
    if (reason) throw new Forbidden(reason);
    await next();
  });
}

function needsCheck(c: Context): boolean {
  if (SESSION_ENTRY_PATHS.has(c.req.path)) return true;
  return readSessionCookie(c) !== undefined;
}

function foreignOrigin(c: Context): string | undefined {
  const site = c.req.header("sec-fetch-site")?.trim().toLowerCase();
  if (site !== undefined && !OWN_FETCH_SITES.has(site)) {
    return `cross-site request refused (Sec-Fetch-Site: ${site.slice(0, 20)}): this route only takes requests from this site's own pages`;
  }
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) {
    return `cross-origin request refused (Origin: ${origin.slice(0, 100)}): this route only takes requests from ${new URL(c.req.url).origin}`;
  }
  return undefined;
}

function notJson(c: Context): string | undefined {
  const type = c.req.header("content-type");
  if (type === undefined) {
    // A body-less write (DELETE /api/keys/{id}, logout) has nothing a form could have chosen.
    return hasBody(c) ? "send the request body as Content-Type: application/json" : undefined;
  }
  const mediaType = type.split(";")[0]?.trim().toLowerCase();
  return mediaType === "application/json" ? undefined : `send the request body as Content-Type: application/json, not "${type.slice(0, 60)}"`;
}

function hasBody(c: Context): boolean {
  return c.req.raw.body !== null && c.req.header("content-length") !== "0";
}
