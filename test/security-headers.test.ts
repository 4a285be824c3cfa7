/**
 * Security headers on every response: the app's pages and files (served by Workers Static Assets
 * from web/build, headers from the `_headers` file the web build writes) and the Worker's own
 * answers. The browser tests (test/web/) check that the app still runs under the CSP: openTab
 * counts a CSP violation as a page error.
 */
import { describe, expect, inject, it } from "vitest";
import { signUp } from "./support/tenant";

const url = inject("serverUrl");

/** The CSP's directives by name. */
function directives(policy: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (policy ?? "").split(";")) {
    const [name = "", ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

function expectCommonHeaders(response: Response, what: string) {
  const csp = directives(response.headers.get("content-security-policy"));
  expect(csp.get("frame-ancestors"), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(response.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(response.headers.get("referrer-policy"), what).toBe("same-origin");
  return csp;
}

describe("the app's pages", () => {
  for (const path of ["/", "/keys", "/trace/0123456789abcdef"]) {
    it(`${path}: a CSP that forbids framing and inline scripts other than the app's own, nosniff, Referrer-Policy, HSTS`, async () => {
      const response = await fetch(`${url}${path}`, { headers: { accept: "text/html" } });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("<script");
      const csp = expectCommonHeaders(response, path);
      const scripts = csp.get("script-src") ?? [];
      expect(scripts).toContain("'self'");
      expect(scripts).not.toContain("'unsafe-inline'");
      expect(scripts).not.toContain("'unsafe-eval'");
      // One hash per inline script the page holds (theme, early request, SvelteKit's bootstrap).
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)];
      expect(inline.length).toBeGreaterThanOrEqual(3);
      for (const [, text = ""] of inline) {
        const digest = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("base64");
        expect(scripts, "every inline script is allowed by its hash").toContain(`'sha256-${digest}'`);
      }
      expect(csp.get("object-src")).toEqual(["'none'"]);
      // Sent on http too (the file cannot tell schemes apart); browsers heed it only over https.
      expect(response.headers.get("strict-transport-security")).toMatch(/^max-age=\d{7,}/);
    });
  }

  it("the app's script files carry the headers too", async () => {
    const html = await (await fetch(url)).text();
    const script = /\/_app\/immutable\/[^"]+\.js/.exec(html)?.[0];
    expect(script).toBeDefined();
    const response = await fetch(`${url}${script}`);
    expect(response.status).toBe(200);
    expectCommonHeaders(response, script ?? "");
  });
});

describe("the Worker's answers", () => {
  it("a JSON answer may load, run or be framed by nothing", async () => {
    const tenant = await signUp(url);
    const response = await fetch(`${url}/api/keys`, { headers: { cookie: tenant.cookie } });
    expect(response.status).toBe(200);
    const csp = expectCommonHeaders(response, "/api/keys");
    expect(csp.get("default-src")).toEqual(["'none'"]);
    // Plain http here: HSTS over http means nothing, so it is left out (the workers tests check https).
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("errors and refusals carry them too", async () => {
    for (const response of [await fetch(`${url}/api/me`), await fetch(`${url}/api/nothing-here`), await fetch(`${url}/v1/traces`, { method: "POST" })]) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expectCommonHeaders(response, response.url);
    }
  });
});
