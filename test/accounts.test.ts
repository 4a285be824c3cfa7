/**
 * Sign-up, login, logout and /api/me against the real Worker (shared `wrangler dev` server).
 * The shared server raises the per-IP limit; the per-email limits keep their defaults
 * (10 attempts per 15 minutes), which the last tests exercise.
 */
import { describe, expect, inject, it } from "vitest";

const url = inject("serverUrl");
const PASSWORD = "correct horse battery";

function uniqueEmail(tag: string): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: text });
}

/** The `name=value` part of the response's session cookie, to send back as a Cookie header. */
function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("et_session="));
  expect(cookie, "an et_session cookie").toBeDefined();
  return (cookie ?? "").split(";")[0] ?? "";
}

async function signUp(overrides: Record<string, unknown> = {}) {
  const input = { email: uniqueEmail("ann"), password: PASSWORD, organization: "Acme Ltd", ...overrides };
  const response = await post("/api/signup", input);
  expect(response.status).toBe(201);
  return { input, response, cookie: sessionCookie(response), body: (await response.json()) as SignupBody };
}

interface SignupBody {
  tenant: { id: string; name: string };
  user: { id: string; email: string };
  apiKey: { id: string; name: string; key: string; scopes: string[] };
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string; field?: string } }).error;
}

describe("POST /api/signup", () => {
  it("creates a tenant, its user and a one-time ingest key", async () => {
    const email = uniqueEmail("Mixed.Case");
    const { body } = await signUp({ email, organization: "  Acme Ltd  " });
    expect(body.tenant).toEqual({ id: expect.stringMatching(/^tnt_[0-9a-f]{24}$/), name: "Acme Ltd" });
    expect(body.user).toEqual({ id: expect.stringMatching(/^usr_[0-9a-f]{24}$/), email: email.toLowerCase() });
    expect(body.apiKey).toEqual({
      id: expect.stringMatching(/^key_/),
      name: expect.any(String),
      // etk_ + 32 random bytes in unpadded base64url (256 bits) + a 6-character checksum.
      key: expect.stringMatching(/^etk_[A-Za-z0-9_-]{49}$/),
      scopes: ["ingest"],
    });
  });

  it("sets an HttpOnly, SameSite=Lax, Path=/ session cookie, not Secure over plain http", async () => {
    const { response } = await signUp();
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("et_session=")) ?? "";
    const attributes = cookie.split(";").map((part) => part.trim().toLowerCase());
    expect(attributes[0]).toMatch(/^et_session=[a-z0-9_-]{43}$/);
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("samesite=lax");
    expect(attributes).toContain("path=/");
    expect(attributes).not.toContain("secure");
    expect(attributes).toContain(`max-age=${30 * 24 * 3600}`);
  });

  it("logs the new user in: the cookie opens /api/me", async () => {
    const { cookie, body } = await signUp();
    const me = await fetch(`${url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    // The founder owns the organisation, the only one they are in so far.
    expect(await me.json()).toEqual({ tenant: body.tenant, user: body.user, role: "owner", organizations: [{ ...body.tenant, role: "owner" }] });
  });

  it("gives each tenant a working ingest key", async () => {
    const { body } = await signUp();
    const ingest = await post("/v1/traces", {}, { "x-api-key": body.apiKey.key });
    expect(ingest.status).toBe(200);
  });

  it.each([
    ["a malformed email", { email: "not-an-email" }, "email"],
    ["a missing email", { email: undefined }, "email"],
    ["an email that is not a string", { email: 42 }, "email"],
    ["a 9-character password", { password: "123456789" }, "password"],
    ["a password that is not a string", { password: 1234567890123 }, "password"],
    ["a missing organization", { organization: undefined }, "organization"],
    ["a blank organization", { organization: "   " }, "organization"],
    ["an organization that is not a string", { organization: ["Acme"] }, "organization"],
    ["a 101-character organization", { organization: "x".repeat(101) }, "organization"],
  ])("rejects %s with 400 naming the field", async (_, overrides, field) => {
    const response = await post("/api/signup", { email: uniqueEmail("bad"), password: PASSWORD, organization: "Acme", ...overrides });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("bad_request");
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("accepts a password of exactly 10 characters", async () => {
    await signUp({ password: "0123456789" });
  });

  it("rejects malformed JSON and non-object bodies with 400", async () => {
    for (const body of ["{\"email\": ", "[1,2]", "null", ""]) {
      const response = await post("/api/signup", body);
      expect(response.status, body).toBe(400);
      expect((await errorOf(response)).code).toBe("bad_request");
    }
  });

  it("answers a taken email, whatever its case, like a new one: 201 and a cookie, nothing created", async () => {
    const { input } = await signUp();
    const again = await post("/api/signup", { ...input, email: input.email.toUpperCase(), password: "another password", organization: "Other" });
    expect(again.status).toBe(201);
    expect(again.headers.getSetCookie()[0]).toMatch(/^et_session=/);
    // The owner's password still opens the account; the other one does not.
    expect((await post("/api/login", { email: input.email, password: "another password" })).status).toBe(401);
    expect((await post("/api/login", { email: input.email, password: PASSWORD })).status).toBe(200);
  });

  it("throttles repeated sign-ups for one email with 429 and Retry-After", async () => {
    const { input } = await signUp();
    // The successful sign-up was attempt 1 of 10; the others are answered as if they created one.
    for (let attempt = 2; attempt <= 10; attempt++) expect((await post("/api/signup", input)).status).toBe(201);
    const limited = await post("/api/signup", input);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("POST /api/login", () => {
  it("logs in with the email in any case and returns tenant, user and a fresh session", async () => {
    const { input, body, cookie: signupCookie } = await signUp();
    const response = await post("/api/login", { email: input.email.toUpperCase(), password: PASSWORD });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tenant: body.tenant, user: body.user });
    const cookie = sessionCookie(response);
    expect(cookie).not.toBe(signupCookie);
    expect((await fetch(`${url}/api/me`, { headers: { cookie } })).status).toBe(200);
  });

  it("answers a wrong password and an unknown email with the same 401", async () => {
    const { input } = await signUp();
    const wrongPassword = await post("/api/login", { email: input.email, password: "wrong password!" });
    const unknownEmail = await post("/api/login", { email: uniqueEmail("nobody"), password: PASSWORD });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const [a, b] = [await errorOf(wrongPassword), await errorOf(unknownEmail)];
    expect(a).toEqual(b);
    expect(a.message).toBe("wrong email or password");
    expect(wrongPassword.headers.getSetCookie()).toEqual([]);
  });

  it("rejects a body without a password with 400 naming password", async () => {
    const response = await post("/api/login", { email: uniqueEmail("x") });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).field).toBe("password");
  });

  it("throttles failed logins per email and client: 429 after 10 failures, successes not counted", async () => {
    const { input } = await signUp();
    const attempt = (password: string) => post("/api/login", { email: input.email, password });
    for (let i = 0; i < 9; i++) expect((await attempt("wrong password!")).status).toBe(401);
    // Successful logins in between do not use up the failure budget.
    for (let i = 0; i < 3; i++) expect((await attempt(PASSWORD)).status).toBe(200);
    expect((await attempt("wrong password!")).status).toBe(401);
    const limited = await attempt(PASSWORD);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect((await errorOf(limited)).code).toBe("too_many_requests");
    // Another account is unaffected.
    const other = await signUp();
    expect((await post("/api/login", { email: other.input.email, password: PASSWORD })).status).toBe(200);
  });
});

describe("POST /api/logout and GET /api/me", () => {
  it("ends the session: the old cookie no longer opens /api/me", async () => {
    const { cookie } = await signUp();
    const logout = await post("/api/logout", {}, { cookie });
    expect(logout.status).toBe(204);
    const cleared = logout.headers.getSetCookie().find((c) => c.startsWith("et_session=")) ?? "";
    expect(cleared.toLowerCase()).toContain("max-age=0");
    // Replaying the old cookie must fail: the session row is gone, not just the browser's copy.
    const me = await fetch(`${url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(401);
  });

  it("ends only that session", async () => {
    const { input, cookie } = await signUp();
    const second = sessionCookie(await post("/api/login", { email: input.email, password: PASSWORD }));
    await post("/api/logout", {}, { cookie: second });
    expect((await fetch(`${url}/api/me`, { headers: { cookie } })).status).toBe(200);
  });

  it("answers 401 without a cookie or with a forged one", async () => {
    expect((await fetch(`${url}/api/me`)).status).toBe(401);
    const forged = `et_session=${"A".repeat(43)}`;
    const response = await fetch(`${url}/api/me`, { headers: { cookie: forged } });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("unauthorized");
  });
});
