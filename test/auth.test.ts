/**
 * The auth middleware as the product's routes see it: `POST /v1/traces` (requireApiKey("ingest"))
 * and `GET /api/traces/:id` (requireReader()), plus the per-IP throttle of sign-up and login,
 * which needs its own server with a small limit (the shared one raises it for the suite).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startServer, type RunningServer } from "./support/server";

const url = inject("serverUrl");
const TRACE_PATH = "/api/traces/0123456789abcdef";

interface Tenant {
  cookie: string;
  ingestKey: string;
  readKey: string;
}

async function signUp(base = url): Promise<Tenant> {
  const email = `auth-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const response = await fetch(`${base}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse battery", organization: "Auth Co" }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { apiKey: { key: string } };
  const cookie = (response.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  const created = await fetch(`${base}/api/keys`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ name: "reader", scopes: ["read"] }) });
  expect(created.status).toBe(201);
  return { cookie, ingestKey: body.apiKey.key, readKey: ((await created.json()) as { key: string }).key };
}

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

/** The three ways a client may present a key. */
const presentations: [string, (key: string) => Record<string, string>][] = [
  ["x-api-key", (key) => ({ "x-api-key": key })],
  ["Authorization: Bearer", (key) => ({ authorization: `Bearer ${key}` })],
  ["HTTP Basic with the key as password (Grafana)", (key) => ({ authorization: basic("grafana", key) })],
];

function ingest(headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
}

function readTrace(headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}${TRACE_PATH}`, { headers });
}

/** The trace read path's own "no such trace" answer: proof that authentication let the request through. */
async function expectTraceNotFound(response: Response) {
  expect(response.status).toBe(404);
  const body = (await response.json()) as { errors?: { code: number; msg: string }[] };
  expect(body.errors?.[0]).toMatchObject({ code: 404, msg: "trace not found" });
}

let tenant: Tenant;
beforeAll(async () => {
  tenant = await signUp();
});

describe("requireApiKey('ingest') on POST /v1/traces", () => {
  it.each(presentations)("accepts an ingest key sent as %s", async (_, headers) => {
    expect((await ingest(headers(tenant.ingestKey))).status).toBe(200);
  });

  it("accepts Basic auth with the key as username and an empty password (curl -u KEY:)", async () => {
    expect((await ingest({ authorization: basic(tenant.ingestKey, "") })).status).toBe(200);
  });

  it.each([
    ["no credentials", {}],
    ["an unknown well-formed key", { "x-api-key": `etk_${"A".repeat(43)}` }],
    ["a malformed key", { "x-api-key": "hunter2" }],
    ["an empty Bearer token", { authorization: "Bearer " }],
    ["Basic auth with an unknown key", { authorization: basic("grafana", `etk_${"B".repeat(43)}`) }],
    ["undecodable Basic credentials", { authorization: "Basic %%%" }],
    ["an unsupported scheme", { authorization: "Digest abc" }],
  ])("answers 401 to %s", async (_, headers: Record<string, string>) => {
    expect((await ingest(headers)).status).toBe(401);
  });

  it("answers 401, not 200, to a session cookie: ingest takes keys only", async () => {
    expect((await ingest({ cookie: tenant.cookie })).status).toBe(401);
  });

  it("answers 403 naming the ingest scope to a read-only key", async () => {
    const response = await ingest({ "x-api-key": tenant.readKey });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("ingest");
  });
});

describe("requireReader() on GET /api/traces/:id", () => {
  it.each(presentations)("accepts a read key sent as %s", async (_, headers) => {
    await expectTraceNotFound(await readTrace(headers(tenant.readKey)));
  });

  it("accepts the session cookie of a logged-in user", async () => {
    await expectTraceNotFound(await readTrace({ cookie: tenant.cookie }));
  });

  it("answers 403 naming the read scope to an ingest-only key", async () => {
    const response = await readTrace({ "x-api-key": tenant.ingestKey });
    expect(response.status).toBe(403);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("forbidden");
    expect(error.message).toContain('"read"');
  });

  it("answers 401 without credentials, with an unknown key, or with a forged cookie", async () => {
    expect((await readTrace({})).status).toBe(401);
    expect((await readTrace({ authorization: `Bearer etk_${"C".repeat(43)}` })).status).toBe(401);
    expect((await readTrace({ cookie: `et_session=${"D".repeat(43)}` })).status).toBe(401);
  });

  it("lets a bad key decide even beside a valid session cookie", async () => {
    expect((await readTrace({ cookie: tenant.cookie, "x-api-key": "etk_wrong" })).status).toBe(401);
  });
});

describe("per-IP throttling of sign-up and login", () => {
  // A server of our own, allowing 3 attempts per IP per minute.
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ vars: { AUTH_ATTEMPTS_PER_IP_PER_MINUTE: "3" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const login = (ip: string, email: string) =>
    fetch(`${server.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": ip },
      body: JSON.stringify({ email, password: "wrong password!" }),
    });

  it("answers 429 with Retry-After once an IP has used its attempts, whatever the email", async () => {
    for (let i = 0; i < 3; i++) expect((await login("198.51.100.7", `ip-${i}@example.test`)).status).toBe(401);
    const limited = await login("198.51.100.7", "ip-fresh@example.test");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another client IP is unaffected.
    expect((await login("198.51.100.8", "ip-0@example.test")).status).toBe(401);
  });

  it("counts sign-ups apart from logins, and throttles them too", async () => {
    const signup = (i: number) =>
      fetch(`${server.url}/api/signup`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.7" },
        body: JSON.stringify({ email: `ip-signup-${i}@example.test`, password: "correct horse battery", organization: "IP" }),
      });
    for (let i = 0; i < 3; i++) expect((await signup(i)).status).toBe(201);
    const limited = await signup(3);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("throttles clients without CF-Connecting-IP together, as one client", async () => {
    const anonymous = () =>
      fetch(`${server.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "x@example.test", password: "wrong password!" }) });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await anonymous()).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
