/**
 * An organisation with a member of each role, built the way users build one: the owner signs up
 * and invites the others, who accept with a password (POST /api/invites, /api/invites/accept).
 */
import { signUp, type TestTenant } from "./tenant.ts";

export const ROLES = ["owner", "admin", "member", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface OrgUser {
  userId: string;
  email: string;
  password: string;
  /** `et_session=…` for this user, working in the organisation. */
  cookie: string;
}

export interface TestOrg {
  tenant: TestTenant;
  tenantId: string;
  users: Record<Role, OrgUser>;
}

let counter = 0;

export function uniqueEmail(tag: string): string {
  return `${tag}-${process.pid}-${++counter}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

export function cookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("et_session="));
  if (!cookie) throw new Error(`no session cookie in the answer (${response.status})`);
  return cookie.split(";")[0] ?? "";
}

export async function send(url: string, method: string, path: string, cookie: string | undefined, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Invites `email` as `role` with `inviter`'s session; returns the invite's id and link. */
export async function invite(url: string, inviter: string, email: string, role: Role): Promise<{ id: string; url: string }> {
  const response = await send(url, "POST", "/api/invites", inviter, { email, role });
  if (response.status !== 201) throw new Error(`invite: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; url: string };
}

export function tokenOf(link: string): string {
  return new URL(link).hash.slice(1);
}

/** A new user joins through `link` with a password; returns them signed in. */
export async function acceptAsNewUser(url: string, link: string, email: string): Promise<OrgUser> {
  const password = "correct horse battery staple";
  const response = await send(url, "POST", "/api/invites/accept", undefined, { token: tokenOf(link), password });
  if (response.status !== 200) throw new Error(`accept: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: { id: string } };
  return { userId: body.user.id, email, password, cookie: cookieOf(response) };
}

/** Adds a new user with `role` to the organisation of `inviter`. */
export async function addMember(url: string, inviter: string, role: Role, tag: string = role): Promise<OrgUser> {
  const email = uniqueEmail(tag);
  const { url: link } = await invite(url, inviter, email, role);
  return acceptAsNewUser(url, link, email);
}

export async function createOrg(url: string, name = "Roles Inc"): Promise<TestOrg> {
  const tenant = await signUp(url, name);
  const me = (await (await send(url, "GET", "/api/me", tenant.cookie)).json()) as { user: { id: string } };
  const owner: OrgUser = { userId: me.user.id, email: tenant.email, password: tenant.password, cookie: tenant.cookie };
  const [admin, member, viewer] = await Promise.all([addMember(url, owner.cookie, "admin"), addMember(url, owner.cookie, "member"), addMember(url, owner.cookie, "viewer")]);
  return { tenant, tenantId: tenant.tenantId, users: { owner, admin, member, viewer } };
}
