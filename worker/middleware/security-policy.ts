/**
 * The security headers' values, shared by the Worker's middleware (security-headers.ts) and the
 * web build, which writes the same headers for the static app (web/security-headers.ts). No
 * imports: the web build's config loads this file outside the Worker's types.
 */

/** The Worker answers data (JSON, protobuf), never a page: nothing may load, run or frame it. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers every response carries, whatever served it; HSTS separately (https only). */
export const COMMON_SECURITY_HEADERS = {
  // An answer is never sniffed into HTML or script.
  "X-Content-Type-Options": "nosniff",
  // Paths carry trace ids and searches: they stay on this site.
  "Referrer-Policy": "same-origin",
  // For browsers that predate CSP's frame-ancestors.
  "X-Frame-Options": "DENY",
} as const;

/** A year; no includeSubDomains: the operator's other hosts may not serve https. */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000";
