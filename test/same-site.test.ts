/**
 * Cross-site requests riding the session cookie, and cross-site logins, are refused before they
 * act (worker/middleware/same-site.ts); the app's own requests, curl and key-authenticated clients
 * are not.
 */
import { describe, expect, inject, it } from "vitest";
import { signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");
const EVIL = "https://evil.example";

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

async function keyCount(tenant: TestTenant): Promise<number> {
  const response = await fetch(`${url}/api/keys`, { headers: { cookie: tenant.cookie } });
  return ((await response.json()) as { keys: unknown[] }).keys.length;
}

function createKey(tenant: TestTenant, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/api/keys`, {
    method: "POST",
    headers: { cookie: tenant.cookie, "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "planted", scopes: ["read"] }),
  });
}

describe("login and sign-up", () => {
  it("refuses a cross-site text/plain login (a foreign form) with 403 and sets no cookie", async () => {
    const tenant = await signUp(url);
    // What <form enctype="text/plain" action=".../api/login"> on another site sends.
    const response = await fetch(`${url}/api/login`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: EVIL, "sec-fetch-site": "cross-site" },
      body: JSON.stringify({ email: tenant.email, password: tenant.password }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await errorOf(response)).code).toBe("forbidden");
  });

  it("refuses a text/plain login even without Origin, and a JSON one from another origin", async () => {
    const tenant = await signUp(url);
    const body = JSON.stringify({ email: tenant.email, password: tenant.password });
    const plain = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body });
    expect(plain.status).toBe(403);
    expect((await errorOf(plain)).message).toContain("application/json");
    const foreign = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json", origin: EVIL }, body });
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).message).toContain(EVIL);
    for (const response of [plain, foreign]) expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("creates no account for a cross-site sign-up", async () => {
    const email = `xsite-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const credentials = { email, password: "correct horse battery" };
    const response = await fetch(`${url}/api/signup`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" },
      body: new URLSearchParams({ ...credentials, organization: "Evil" }).toString(),
    });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
    const login = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(credentials) });
    expect(login.status).toBe(401);
  });

  it("logs in from the app's own page (same-origin JSON) and from curl (no Origin)", async () => {
    const tenant = await signUp(url);
    const body = JSON.stringify({ email: tenant.email, password: tenant.password });
    const fromApp = await fetch(`${url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: url, "sec-fetch-site": "same-origin" },
      body,
    });
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers.getSetCookie()[0]).toMatch(/^et_session=/);
    const fromCurl = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(fromCurl.status).toBe(200);
  });
});

describe("cookie-authenticated writes", () => {
  it("refuses POST /api/keys with the cookie and a foreign Origin: 403, no key created", async () => {
    const tenant = await signUp(url);
    const before = await keyCount(tenant);
    const response = await createKey(tenant, { origin: EVIL });
    expect(response.status).toBe(403);
    expect(await keyCount(tenant)).toBe(before);
  });

  it("refuses Sec-Fetch-Site cross-site and same-site, and a text/plain body from anywhere", async () => {
    const tenant = await signUp(url);
    const before = await keyCount(tenant);
    for (const site of ["cross-site", "same-site"]) expect((await createKey(tenant, { "sec-fetch-site": site })).status, site).toBe(403);
    expect((await createKey(tenant, { "content-type": "text/plain" })).status).toBe(403);
    // A revocation has no body: its Origin alone decides.
    const keys = (await (await fetch(`${url}/api/keys`, { headers: { cookie: tenant.cookie } })).json()) as { keys: Array<{ id: string; revokedAt: number | null }> };
    const target = keys.keys[0]?.id ?? "";
    const revoke = await fetch(`${url}/api/keys/${target}`, { method: "DELETE", headers: { cookie: tenant.cookie, origin: EVIL } });
    expect(revoke.status).toBe(403);
    const after = (await (await fetch(`${url}/api/keys`, { headers: { cookie: tenant.cookie } })).json()) as typeof keys;
    expect(after.keys.length).toBe(before);
    expect(after.keys.every((key) => key.revokedAt === null)).toBe(true);
  });

  it("accepts the app's own same-origin JSON writes, and body-less ones", async () => {
    const tenant = await signUp(url);
    const created = await createKey(tenant, { origin: url, "sec-fetch-site": "same-origin" });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const revoked = await fetch(`${url}/api/keys/${id}`, { method: "DELETE", headers: { cookie: tenant.cookie, origin: url, "sec-fetch-site": "same-origin" } });
    expect(revoked.status).toBe(204);
  });

  it("leaves key-authenticated calls alone, whatever their Origin", async () => {
    const tenant = await signUp(url);
    const ingest = await fetch(`${url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey, origin: EVIL, "sec-fetch-site": "cross-site" },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect(ingest.status).toBe(200);
  });
});

describe("a key beside the cookie", () => {
  it("does not exempt a cross-site write: session routes act on the cookie, not the key", async () => {
    const tenant = await signUp(url);
    const before = await keyCount(tenant);
    // A browser may attach cached Basic credentials to a cross-site request.
    const response = await createKey(tenant, { origin: EVIL, authorization: `Basic ${btoa(`x:${tenant.readKey}`)}` });
    expect(response.status).toBe(403);
    expect(await keyCount(tenant)).toBe(before);
  });
});
