/**
 * HSTS is sent where it means something: on the Worker's answers over https (production), not
 * over http (`wrangler dev`), where browsers ignore it. The other security headers are sent on both.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

function fetchWorker(url: string): Promise<Response> {
  return (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default.fetch(new Request(url));
}

describe("Strict-Transport-Security", () => {
  it("is sent over https, with the other security headers", async () => {
    for (const path of ["/healthz", "/api/me", "/api/nothing-here"]) {
      const response = await fetchWorker(`https://edgetrace.test${path}`);
      expect(response.headers.get("strict-transport-security"), path).toBe("max-age=31536000");
      expect(response.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });

  it("is left out over http", async () => {
    const response = await fetchWorker("http://edgetrace.test/healthz");
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
  });
});
