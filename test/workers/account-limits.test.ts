/**
 * Who the sign-up and login limits count (worker/middleware/rate-limit.ts): an IPv6 client by its
 * /64, failed logins by (email, client) and by client — so a stranger's failures cannot lock the
 * owner out — and a sign-up that says nothing about which emails have accounts. wrangler.toml's
 * limits apply here: 20 attempts per client a minute, 10 failures per (email, client) per 15 min.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, signUp } from "./helpers";

const PASSWORD = "correct horse battery staple";
let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${++counter}@example.test`;

function post(path: string, body: unknown, ip: string): Promise<Response> {
  return call(path, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip }, body: JSON.stringify(body) });
}

const signupAs = (ip: string, email = uniqueEmail("v6")) => post("/api/signup", { email, password: PASSWORD, organization: "Limits" }, ip);
const loginAs = (ip: string, email: string, password: string) => post("/api/login", { email, password }, ip);

describe("per-client limits on IPv6", () => {
  it("counts a whole /64 as one client: the 21st sign-up from it is 429, its neighbour still signs up", async () => {
    const statuses: number[] = [];
    // A fresh address of the same /64 for every attempt, as a subscriber may pick.
    for (let i = 1; i <= 21; i++) statuses.push((await signupAs(`2001:db8:aa:1:${i.toString(16)}::${(i * 7).toString(16)}`)).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(201));
    expect(statuses[20]).toBe(429);
    expect((await signupAs("2001:db8:aa:2::1")).status).toBe(201);
  });

  it("counts failed logins of one /64 together", async () => {
    const owner = await signUp();
    const email = ((await (await call("/api/me", { headers: { cookie: owner.cookie } })).json()) as { user: { email: string } }).user.email;
    const statuses: number[] = [];
    for (let i = 1; i <= 11; i++) statuses.push((await loginAs(`2001:db8:bb:1::${i.toString(16)}`, email, "wrong password!")).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // The next /64 is another client, with its own count.
    expect((await loginAs("2001:db8:bb:2::1", email, "wrong password!")).status).toBe(401);
  });
});

describe("failed logins", () => {
  it("cannot lock the owner out from elsewhere: after 10 failures from another IP, the owner logs in", async () => {
    const email = uniqueEmail("owner");
    expect((await signupAs("192.0.2.10", email)).status).toBe(201);
    for (let i = 0; i < 10; i++) expect((await loginAs("198.51.100.66", email, "wrong password!")).status).toBe(401);
    // The attacker's own client is now refused for this email…
    const refused = await loginAs("198.51.100.66", email, PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // …while the owner, from their own address, is not.
    const owner = await loginAs("192.0.2.11", email, PASSWORD);
    expect(owner.status).toBe(200);
    expect(owner.headers.get("set-cookie")).toMatch(/^et_session=/);
  });

  it("refuses a client that failed 100 times in the window, whatever the email", async () => {
    const email = uniqueEmail("sprayed");
    expect((await signupAs("192.0.2.30", email)).status).toBe(201);
    // 100 failures (5 minutes of the per-minute limit) spread over other emails, recorded as the
    // login route records them, without waiting the minutes the per-minute limit would take.
    const limiter = env.RATE_LIMITER.getByName("login:failed:198.51.100.77");
    for (let i = 0; i < 100; i++) expect((await limiter.consume(100, 15 * 60_000)).allowed).toBe(true);
    const refused = await loginAs("198.51.100.77", email, PASSWORD);
    expect(refused.status).toBe(429);
    expect((await loginAs("198.51.100.78", email, PASSWORD)).status).toBe(200);
  });
});

describe("sign-up for an email that has an account", () => {
  it("answers exactly like a new sign-up, creates nothing and leaves the account as it was", async () => {
    const email = uniqueEmail("taken");
    const first = await signupAs("192.0.2.20", email);
    expect(first.status).toBe(201);
    const again = await post("/api/signup", { email: email.toUpperCase(), password: "another password!", organization: "Limits" }, "192.0.2.21");
    expect(again.status).toBe(201);
    const [a, b] = [(await first.json()) as Record<string, Record<string, unknown>>, (await again.json()) as Record<string, Record<string, unknown>>];
    // Same shape, field for field; fresh values.
    const shape = (body: Record<string, Record<string, unknown>>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Object.keys(v).sort()]));
    expect(shape(b)).toEqual(shape(a));
    expect(b.user?.email).toBe(email);
    expect(b.tenant?.id).not.toBe(a.tenant?.id);
    expect(String(b.apiKey?.key)).toMatch(/^etk_/);
    const cookie = (again.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^et_session=[A-Za-z0-9_-]{43}$/);

    // Nothing of it works, and the owner's password is still the owner's.
    expect((await call("/api/me", { headers: { cookie } })).status).toBe(401);
    const ingest = await call("/v1/traces", { method: "POST", headers: { "content-type": "application/json", "x-api-key": String(b.apiKey?.key) }, body: "{}" });
    expect(ingest.status).toBe(401);
    expect((await loginAs("192.0.2.22", email, "another password!")).status).toBe(401);
    expect((await loginAs("192.0.2.22", email, PASSWORD)).status).toBe(200);
  });
});
