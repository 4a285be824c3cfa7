/**
 * Security headers on every response the Worker writes (the JSON APIs, OTLP, errors). The web
 * app's pages and files are served by Workers Static Assets without the Worker; they get the same
 * headers, with the app's own script hashes, from the `_headers` file the web build writes
 * (web/security-headers.ts).
 */
import { createMiddleware } from "hono/factory";
import { API_CONTENT_SECURITY_POLICY, COMMON_SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from "./security-policy";

export function securityHeaders() {
  return createMiddleware<{ Bindings: Env }>(async function securityHeaders(c, next) {
    await next();
    // Errors and not-found answers pass here too: the app's onError has set c.res by now.
    if (!c.res.headers.has("content-security-policy")) c.header("Content-Security-Policy", API_CONTENT_SECURITY_POLICY);
    for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) c.header(name, value);
    // Browsers ignore HSTS over http (RFC 6797 §8.1), and local `wrangler dev` is http: send it where it counts.
    if (new URL(c.req.url).protocol === "https:") c.header("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
  });
}
