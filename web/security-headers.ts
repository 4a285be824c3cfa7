/**
 * The app's security headers, written into the build's `_headers` file (which Workers Static
 * Assets applies to every page and file it serves; the Worker's own answers get theirs from
 * worker/middleware/security-headers.ts).
 *
 * The CSP allows scripts only from this origin plus the inline scripts the built pages really
 * hold, each by its SHA-256: app.html's theme and early-request scripts and SvelteKit's bootstrap
 * (whose text names the build's chunk files, so it changes with every build — hence hashing the
 * output rather than the sources). No 'unsafe-inline' for scripts: an injected <script> does not
 * run. Styles keep 'unsafe-inline': Svelte writes `style` attributes for layout (bar widths,
 * positions), and a style cannot run code.
 *
 * Run after the adapter has written the build (see vite.config.ts).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMMON_SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from "../worker/middleware/security-policy.ts";

/** Inline `<script>` elements (no src): their text is what the browser hashes. */
const INLINE_SCRIPT = /<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi;

export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(INLINE_SCRIPT)].map((match) => `'sha256-${createHash("sha256").update(match[1] ?? "", "utf8").digest("base64")}'`);
}

export function appContentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${[...new Set(scriptHashes)].join(" ")}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    // The favicon is a data: URL; JSON downloads and screenshots are blob: URLs.
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** HTML files of the build, any depth. */
function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".html"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Appends the headers rule for every path to `<build>/_headers` (copied there from web/static).
 * HSTS is sent on http too: the file cannot tell the schemes apart, and browsers ignore HSTS
 * received over http (RFC 6797 §8.1), so it binds only where the app is served over https.
 */
export function writeSecurityHeaders(buildDir: string): void {
  const hashes = htmlFiles(buildDir).flatMap((file) => inlineScriptHashes(readFileSync(file, "utf8")));
  const headers: Record<string, string> = {
    "Content-Security-Policy": appContentSecurityPolicy(hashes),
    ...COMMON_SECURITY_HEADERS,
    "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY,
  };
  const path = join(buildDir, "_headers");
  let existing = "";
  try {
    existing = readFileSync(path, "utf8");
  } catch {
    // No static _headers: this rule is the whole file.
  }
  const rule = ["# Security headers for every page and file (written by web/security-headers.ts at build time).", "/*", ...Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`)];
  writeFileSync(path, `${existing.trimEnd()}\n\n${rule.join("\n")}\n`);
}
