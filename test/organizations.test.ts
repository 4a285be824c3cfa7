/**
 * Organisations on the shared server: invites (single use, for one email), the last owner,
 * switching between organisations (each shows only its own data), what ends sessions (a password
 * change, signing out everywhere, being removed), deleting an organisation with members who
 * belong elsewhere too, and the audit trail that records it all.
 */
import { describe, expect, inject, it } from "vitest";
import { makeRequest, makeSpan } from "./support/otlp-builders.ts";
import { acceptAsNewUser, cookieOf, createOrg, invite, send, tokenOf, uniqueEmail } from "./support/org.ts";
import { signUp } from "./support/tenant.ts";

const url = inject("serverUrl");

async function status(cookie: string, path = "/api/me"): Promise<number> {
  const response = await send(url, "GET", path, cookie);
  await response.body?.cancel();
  return response.status;
}

async function login(email: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ email, password }) });
}

async function services(cookie: string): Promise<string[]> {
  const response = await send(url, "GET", "/api/services", cookie);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: string[] }).data;
}

async function ingest(key: string, service: string): Promise<void> {
  const now = Date.now();
  const span = makeSpan({ traceId: crypto.randomUUID().replaceAll("-", ""), startTimeUnixNano: `${now - 5}000000`, endTimeUnixNano: `${now}000000` });
  const response = await fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify(makeRequest([span], { resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] } })),
  });
  expect(response.status).toBe(200);
}

describe("invites", () => {
  it("answer 201 with a link whose token is single-use, and list and revoke pending ones", async () => {
    const org = await signUp(url, "Invites Ltd");
    const email = uniqueEmail("new");
    const created = await send(url, "POST", "/api/invites", org.cookie, { email: email.toUpperCase(), role: "member" });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; url: string; expiresAt: number; email: string; role: string };
    // The token is in the fragment: browsers send it to no server, in no Referer.
    expect(body.url).toMatch(new RegExp(`^${url}/invite#eti_[A-Za-z0-9_-]{43}$`));
    expect(body).toMatchObject({ email, role: "member" });
    expect(body.expiresAt).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);

    const pending = (await (await send(url, "GET", "/api/invites", org.cookie)).json()) as { invites: { id: string }[] };
    expect(pending.invites.map((i) => i.id)).toEqual([body.id]);

    const lookup = await send(url, "POST", "/api/invites/lookup", undefined, { token: tokenOf(body.url) });
    expect(await lookup.json()).toMatchObject({ organization: "Invites Ltd", email, role: "member", existingAccount: false });

    const joined = await acceptAsNewUser(url, body.url, email);
    const me = (await (await send(url, "GET", "/api/me", joined.cookie)).json()) as { tenant: { id: string }; role: string };
    expect(me).toMatchObject({ tenant: { id: org.tenantId }, role: "member" });

    const again = await send(url, "POST", "/api/invites/accept", undefined, { token: tokenOf(body.url), password: "another long password" });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/used, revoked or replaced, or it expired/);
    expect(((await (await send(url, "GET", "/api/invites", org.cookie)).json()) as { invites: unknown[] }).invites).toEqual([]);
  });

  it("stop working when revoked or replaced", async () => {
    const org = await signUp(url);
    const email = uniqueEmail("revoked");
    const first = await invite(url, org.cookie, email, "viewer");
    const second = await invite(url, org.cookie, email, "admin");
    expect((await send(url, "POST", "/api/invites/accept", undefined, { token: tokenOf(first.url), password: "a long password" })).status).toBe(404);
    expect((await send(url, "DELETE", `/api/invites/${second.id}`, org.cookie)).status).toBe(204);
    expect((await send(url, "POST", "/api/invites/accept", undefined, { token: tokenOf(second.url), password: "a long password" })).status).toBe(404);
    expect((await send(url, "DELETE", `/api/invites/${second.id}`, org.cookie)).status).toBe(404);
  });

  it("refuse bad input with a 4xx naming the problem", async () => {
    const org = await signUp(url);
    const cases: [unknown, number, RegExp][] = [
      [{ email: "not-an-email", role: "member" }, 400, /email/],
      [{ email: uniqueEmail("x"), role: "superuser" }, 400, /role must be one of/],
      [{ email: uniqueEmail("x") }, 400, /role/],
      [[1, 2], 400, /JSON object/],
    ];
    for (const [body, code, message] of cases) {
      const response = await send(url, "POST", "/api/invites", org.cookie, body);
      expect(response.status).toBe(code);
      expect(JSON.stringify(await response.json())).toMatch(message);
    }
    const self = await send(url, "POST", "/api/invites", org.cookie, { email: org.email, role: "admin" });
    expect(self.status).toBe(409);
    const link = await invite(url, org.cookie, uniqueEmail("pw"), "viewer");
    const short = await send(url, "POST", "/api/invites/accept", undefined, { token: tokenOf(link.url), password: "short" });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { field: string } }).error.field).toBe("password");
    for (const token of ["", "eti_nope", 42]) {
      const response = await send(url, "POST", "/api/invites/accept", undefined, { token, password: "a long password" });
      expect([400, 404]).toContain(response.status);
    }
  });

  it("join an existing user only when they are signed in as the invited email", async () => {
    const other = await signUp(url, "Other org");
    const org = await signUp(url, "Inviting org");
    const link = await invite(url, org.cookie, other.email, "viewer");
    // Not signed in: the existing account must sign in first (no second password for one email).
    const anonymous = await send(url, "POST", "/api/invites/accept", undefined, { token: tokenOf(link.url), password: "a long password" });
    expect(anonymous.status).toBe(409);
    // Signed in as someone else: the link joins the invited email, not whoever holds it.
    const stranger = await signUp(url);
    expect((await send(url, "POST", "/api/invites/accept", stranger.cookie, { token: tokenOf(link.url) })).status).toBe(403);
    const accepted = await send(url, "POST", "/api/invites/accept", other.cookie, { token: tokenOf(link.url) });
    expect(accepted.status).toBe(200);
    const cookie = cookieOf(accepted);
    const me = (await (await send(url, "GET", "/api/me", cookie)).json()) as { tenant: { id: string }; role: string; organizations: { id: string; role: string }[] };
    expect(me.tenant.id).toBe(org.tenantId);
    expect(me.role).toBe("viewer");
    expect(me.organizations.map((o) => [o.id, o.role])).toEqual([
      [other.tenantId, "owner"],
      [org.tenantId, "viewer"],
    ]);
    // The session it replaced is over.
    expect(await status(other.cookie)).toBe(401);
  });
});

describe("the last owner", () => {
  it("can be neither demoted nor removed, until another member is owner", async () => {
    const org = await createOrg(url, "Owners");
    const { owner, admin } = org.users;
    for (const role of ["admin", "member", "viewer"]) {
      const demoted = await send(url, "PATCH", `/api/members/${owner.userId}`, owner.cookie, { role });
      expect(demoted.status).toBe(409);
      expect(((await demoted.json()) as { error: { message: string } }).error.message).toMatch(/last owner/);
    }
    expect((await send(url, "DELETE", `/api/members/${owner.userId}`, owner.cookie)).status).toBe(409);
    // An admin can neither remove nor demote an owner.
    expect((await send(url, "DELETE", `/api/members/${owner.userId}`, admin.cookie)).status).toBe(403);
    expect((await send(url, "PATCH", `/api/members/${owner.userId}`, admin.cookie, { role: "viewer" })).status).toBe(403);

    expect((await send(url, "PATCH", `/api/members/${admin.userId}`, owner.cookie, { role: "owner" })).status).toBe(200);
    expect((await send(url, "PATCH", `/api/members/${owner.userId}`, owner.cookie, { role: "admin" })).status).toBe(200);
    // Now the former admin is the last owner.
    expect((await send(url, "PATCH", `/api/members/${admin.userId}`, admin.cookie, { role: "member" })).status).toBe(409);
    // The former owner leaves: their session ends, and with no organisation left their login goes too.
    const left = await send(url, "DELETE", `/api/members/${owner.userId}`, owner.cookie);
    expect(left.status).toBe(204);
    expect(left.headers.getSetCookie().join()).toMatch(/et_session=;/);
    expect(await status(owner.cookie)).toBe(401);
    expect((await login(owner.email, owner.password)).status).toBe(401);
    const members = (await (await send(url, "GET", "/api/members", admin.cookie)).json()) as { members: { userId: string }[] };
    expect(members.members.map((m) => m.userId)).not.toContain(owner.userId);
  });

  it("a removed member's session stops working at once", async () => {
    const org = await createOrg(url, "Removal");
    const { owner, member } = org.users;
    expect(await status(member.cookie, "/api/services")).toBe(200);
    expect((await send(url, "DELETE", `/api/members/${member.userId}`, owner.cookie)).status).toBe(204);
    expect(await status(member.cookie, "/api/services")).toBe(401);
    expect(await status(member.cookie)).toBe(401);
  });
});

describe("switching organisations", () => {
  it("shows each organisation's data only, and refuses an organisation the user is not in", async () => {
    const home = await signUp(url, "Home org");
    const away = await signUp(url, "Away org");
    await ingest(home.ingestKey, "home-only-service");
    await ingest(away.ingestKey, "away-only-service");
    const link = await invite(url, away.cookie, home.email, "member");
    const accepted = await send(url, "POST", "/api/invites/accept", home.cookie, { token: tokenOf(link.url) });
    expect(accepted.status).toBe(200);
    const cookie = cookieOf(accepted);

    // The session now works in the away organisation: its services, keys and members only.
    expect(await services(cookie)).toEqual(["away-only-service"]);
    const keys = (await (await send(url, "GET", "/api/keys", cookie)).json()) as { keys: unknown[] };
    expect(keys.keys).toEqual([]); // a member sees the keys they made; the away owner's are not theirs

    const back = await send(url, "POST", "/api/organizations/switch", cookie, { organizationId: home.tenantId });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ tenant: { id: home.tenantId, name: "Home org" }, role: "owner" });
    expect(await services(cookie)).toEqual(["home-only-service"]);
    const homeKeys = (await (await send(url, "GET", "/api/keys", cookie)).json()) as { keys: { name: string }[] };
    expect(homeKeys.keys.map((k) => k.name)).toContain("test reader");

    const stranger = await signUp(url, "Not yours");
    for (const organizationId of [stranger.tenantId, "tnt_000000000000000000000000", ""]) {
      const refused = await send(url, "POST", "/api/organizations/switch", cookie, { organizationId });
      expect(refused.status, organizationId).toBe(organizationId ? 404 : 400);
    }
    expect(await services(cookie)).toEqual(["home-only-service"]);
    const listed = (await (await send(url, "GET", "/api/organizations", cookie)).json()) as { current: string; organizations: { id: string; name: string; role: string }[] };
    expect(listed.current).toBe(home.tenantId);
    expect(listed.organizations).toEqual([
      { id: home.tenantId, name: "Home org", role: "owner" },
      { id: away.tenantId, name: "Away org", role: "member" },
    ]);
  });
});

describe("sessions", () => {
  it("a password change ends the user's other sessions and keeps this one", async () => {
    const user = await signUp(url);
    const other = cookieOf(await login(user.email, user.password));
    expect(await status(other)).toBe(200);
    const wrong = await send(url, "PUT", "/api/password", user.cookie, { currentPassword: "not the password", newPassword: "a brand new password" });
    expect(wrong.status).toBe(403);
    expect(await status(other)).toBe(200);
    const short = await send(url, "PUT", "/api/password", user.cookie, { currentPassword: user.password, newPassword: "short" });
    expect(short.status).toBe(400);
    const changed = await send(url, "PUT", "/api/password", user.cookie, { currentPassword: user.password, newPassword: "a brand new password" });
    expect(changed.status).toBe(204);
    expect(await status(other)).toBe(401);
    expect(await status(user.cookie)).toBe(200);
    expect((await login(user.email, user.password)).status).toBe(401);
    expect((await login(user.email, "a brand new password")).status).toBe(200);
  });

  it("signing out everywhere ends every session of the user, in every organisation", async () => {
    const org = await createOrg(url, "Everywhere");
    const { admin } = org.users;
    const second = cookieOf(await login(admin.email, admin.password));
    const out = await send(url, "DELETE", "/api/sessions", second);
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/et_session=;/);
    expect(await status(second)).toBe(401);
    expect(await status(admin.cookie)).toBe(401);
    // Other users' sessions are theirs.
    expect(await status(org.users.owner.cookie)).toBe(200);
  });
});

describe("deleting an organisation", () => {
  it("deletes members who belong nowhere else, and keeps those who do", async () => {
    const doomed = await createOrg(url, "Doomed");
    const elsewhere = await signUp(url, "Elsewhere");
    const link = await invite(url, doomed.users.owner.cookie, elsewhere.email, "admin");
    expect((await send(url, "POST", "/api/invites/accept", elsewhere.cookie, { token: tokenOf(link.url) })).status).toBe(200);
    const pending = await invite(url, doomed.users.owner.cookie, uniqueEmail("late"), "viewer");

    const deleted = await send(url, "DELETE", "/api/account", doomed.users.owner.cookie, { password: doomed.users.owner.password });
    expect(deleted.status).toBe(202);
    expect((await login(doomed.users.member.email, doomed.users.member.password)).status).toBe(401);
    const survivor = await login(elsewhere.email, elsewhere.password);
    expect(survivor.status).toBe(200);
    expect(((await survivor.json()) as { tenant: { id: string } }).tenant.id).toBe(elsewhere.tenantId);
    expect((await send(url, "POST", "/api/invites/lookup", undefined, { token: tokenOf(pending.url) })).status).toBe(404);
  });
});

describe("GET /api/audit", () => {
  it("records key, member, setting and sign-in events with who, when and from where", async () => {
    const org = await createOrg(url, "Audited");
    const { owner, admin, member } = org.users;
    const agent = { "user-agent": "audit-test/1.0" };
    expect((await login(member.email, "wrong password", agent)).status).toBe(401);
    expect((await login(member.email, member.password, agent)).status).toBe(200);
    const key = (await (await send(url, "POST", "/api/keys", member.cookie, { name: "member key", scopes: ["read"] })).json()) as { id: string };
    expect((await send(url, "DELETE", `/api/keys/${key.id}`, member.cookie)).status).toBe(204);
    expect((await send(url, "PATCH", `/api/members/${member.userId}`, admin.cookie, { role: "viewer" })).status).toBe(200);
    expect((await send(url, "PUT", "/api/settings", owner.cookie, { retentionDays: 7 })).status).toBe(200);

    const response = await send(url, "GET", "/api/audit", admin.cookie);
    expect(response.status).toBe(200);
    const { events } = (await response.json()) as { events: { id: number; at: number; action: string; actor: { email: string }; target: unknown; userAgent: string | null; ip: string | null }[] };
    const actions = events.map((e) => `${e.action} by ${e.actor.email}`);
    // Newest first.
    expect(actions.slice(0, 6)).toEqual([
      `settings.update by ${owner.email}`,
      `member.role by ${admin.email}`,
      `key.revoke by ${member.email}`,
      `key.create by ${member.email}`,
      `signin by ${member.email}`,
      `signin.failure by ${member.email}`,
    ]);
    expect(actions).toContain(`member.join by ${member.email}`);
    expect(actions).toContain(`invite.create by ${owner.email}`);
    const failure = events.find((e) => e.action === "signin.failure");
    expect(failure?.userAgent).toBe("audit-test/1.0");
    expect(failure?.at).toBeGreaterThan(Date.now() - 120_000);
    expect(events.find((e) => e.action === "member.role")?.target).toMatchObject({ email: member.email, from: "member", to: "viewer" });
    expect(events.find((e) => e.action === "settings.update")?.target).toEqual({ retentionDays: { from: 30, to: 7 } });

    const page = (await (await send(url, "GET", "/api/audit?limit=2", admin.cookie)).json()) as { events: { id: number }[]; next: number };
    expect(page.events.map((e) => e.id)).toEqual(events.slice(0, 2).map((e) => e.id));
    const rest = (await (await send(url, "GET", `/api/audit?limit=2&before=${page.next}`, admin.cookie)).json()) as { events: { id: number }[] };
    expect(rest.events.map((e) => e.id)).toEqual(events.slice(2, 4).map((e) => e.id));
    for (const bad of ["limit=0", "limit=1000", "limit=abc", "before=-1"]) {
      expect((await send(url, "GET", `/api/audit?${bad}`, admin.cookie)).status, bad).toBe(400);
    }
    // Another organisation's audit trail is its own.
    const stranger = await signUp(url);
    const theirs = (await (await send(url, "GET", "/api/audit", stranger.cookie)).json()) as { events: { actor: { email: string } }[] };
    expect(theirs.events.every((e) => e.actor.email === stranger.email)).toBe(true);
  });
});

describe("tenant isolation of member routes", () => {
  it("answers another organisation's members and invites as absent", async () => {
    const mine = await createOrg(url, "Mine");
    const theirs = await createOrg(url, "Theirs");
    const theirInvite = await invite(url, theirs.users.owner.cookie, uniqueEmail("theirs"), "viewer");
    expect((await send(url, "PATCH", `/api/members/${theirs.users.member.userId}`, mine.users.owner.cookie, { role: "viewer" })).status).toBe(404);
    expect((await send(url, "DELETE", `/api/members/${theirs.users.member.userId}`, mine.users.owner.cookie)).status).toBe(404);
    expect((await send(url, "DELETE", `/api/invites/${theirInvite.id}`, mine.users.owner.cookie)).status).toBe(404);
    expect(await status(theirs.users.member.cookie)).toBe(200);
    const members = (await (await send(url, "GET", "/api/members", mine.users.viewer.cookie)).json()) as { members: { email: string }[] };
    expect(members.members.map((m) => m.email).sort()).toEqual(Object.values(mine.users).map((u) => u.email).sort());
  });
});
