/**
 * Invitations: admins invite by email and role and get a link to pass on (no email provider is
 * configured; with one, the link would be mailed too). The link's token is single-use and
 * expires after 7 days.
 *
 * - `POST /api/invites {email, role}` (admin+; only owners invite owners) → 201 `{id, url, expiresAt, email, role}`
 * - `GET /api/invites` (admin+) → `{invites}`: the pending ones
 * - `DELETE /api/invites/{id}` (admin+) → 204; the link stops working
 * - `POST /api/invites/lookup {token}` (no login) → what the invite is for, so the page can say it
 * - `POST /api/invites/accept {token, password?}` (no login, or the invited user's session) →
 *   the membership and a session cookie in the organisation: a new user sets a password; an
 *   existing user signs in first and accepts without one.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { origin, recordAudit } from "../accounts/audit";
import { newId } from "../accounts/crypto";
import { emailField, newPasswordField, readJsonObject, stringField } from "../accounts/input";
import { acceptInvite, AlreadyMember, createInvite, findInvite, InviteGone, inviteUrl, listInvites, MAX_PENDING_INVITES, pendingInviteCount, revokeInvite } from "../accounts/invites";
import { countMembers, isMemberByEmail, MAX_MEMBERS } from "../accounts/memberships";
import { hashPassword } from "../accounts/passwords";
import { roleField } from "../accounts/roles";
import { findSession, newSessionRow, readSessionCookie, setSessionCookie } from "../accounts/sessions";
import { emailExists, EmailTaken } from "../accounts/users";
import { Conflict, Forbidden, NotFound } from "../errors";
import { requireSession, sessionOf } from "../middleware/auth";

export const inviteRoutes = new Hono<{ Bindings: Env }>();

const GONE = "this invite link is not valid: it was used, revoked or replaced, or it expired; ask for a new one";

inviteRoutes.post("/api/invites", requireSession("admin"), async (c) => {
  const body = await readJsonObject(c);
  const email = emailField(body);
  const role = roleField(body);
  const user = sessionOf(c);
  const tenantId = c.get("tenantId");
  if (role === "owner" && user.role !== "owner") throw new Forbidden("only owners may invite owners");
  if (await isMemberByEmail(c.env.DB, tenantId, email)) throw new Conflict(`${email} is already a member`, "email");
  if ((await countMembers(c.env.DB, tenantId)) >= MAX_MEMBERS) throw new Conflict(`an organisation has at most ${MAX_MEMBERS} members`, "email");
  if ((await pendingInviteCount(c.env.DB, tenantId)) >= MAX_PENDING_INVITES) {
    throw new Conflict(`at most ${MAX_PENDING_INVITES} invites may be pending; revoke some first`, "email");
  }
  const { invite, token } = await createInvite(c.env.DB, { tenantId, email, role, invitedBy: { id: user.userId, email: user.email } });
  await recordAudit(c.env.DB, { tenantId, action: "invite.create", actor: { id: user.userId, email: user.email }, target: { id: invite.id, email, role }, where: origin(c) });
  return c.json({ ...invite, url: inviteUrl(new URL(c.req.url).origin, token) }, 201);
});

inviteRoutes.get("/api/invites", requireSession("admin"), async (c) => c.json({ invites: await listInvites(c.env.DB, c.get("tenantId")) }));

inviteRoutes.delete("/api/invites/:id", requireSession("admin"), async (c) => {
  const id = c.req.param("id");
  const tenantId = c.get("tenantId");
  const revoked = await revokeInvite(c.env.DB, tenantId, id);
  if (!revoked) throw new NotFound(`no pending invite with id "${id.slice(0, 64)}"`);
  const user = sessionOf(c);
  await recordAudit(c.env.DB, { tenantId, action: "invite.revoke", actor: { id: user.userId, email: user.email }, target: { id, email: revoked.email }, where: origin(c) });
  return c.body(null, 204);
});

async function inviteOf(c: Context<{ Bindings: Env }>, body: Record<string, unknown>) {
  const token = stringField(body, "token", { max: 200 });
  const invite = await findInvite(c.env.DB, token.trim());
  if (!invite) throw new NotFound(GONE);
  return invite;
}

/**
 * Whoever holds the link may see what it is for: the organisation, the email, the role, and
 * whether that email has an account (so the page offers to sign in rather than set a password).
 * The holder was sent the email already; nothing here answers without a live token.
 */
inviteRoutes.post("/api/invites/lookup", async (c) => {
  const invite = await inviteOf(c, await readJsonObject(c));
  return c.json({ organization: invite.organization, email: invite.email, role: invite.role, expiresAt: invite.expiresAt, existingAccount: await emailExists(c.env.DB, invite.email) });
});

inviteRoutes.post("/api/invites/accept", async (c) => {
  const body = await readJsonObject(c);
  const invite = await inviteOf(c, body);
  const token = readSessionCookie(c);
  const current = token ? await findSession(c.env.DB, token) : null;
  let userId: string;
  let replaces: string | undefined;
  let newUser;
  if (current) {
    // The link was sent to one email: it joins that user, not whoever happens to hold it.
    if (current.session.email !== invite.email) {
      throw new Forbidden(`this invite is for ${invite.email}, and you are signed in as ${current.session.email}: sign out, then open the link again`);
    }
    userId = current.session.userId;
    replaces = current.session.tokenHash;
  } else {
    if (await emailExists(c.env.DB, invite.email)) throw new Conflict(`an account with ${invite.email} exists: sign in, then open the invite link again`, "email");
    const password = newPasswordField(body);
    userId = newId("usr");
    newUser = { email: invite.email, password: await hashPassword(password) };
  }
  const session = await newSessionRow(userId, invite.tenantId);
  try {
    await acceptInvite(c.env.DB, invite, { id: userId, newUser }, { row: session.row, replaces });
  } catch (error) {
    if (error instanceof InviteGone) throw new NotFound(GONE);
    if (error instanceof EmailTaken) throw new Conflict(`an account with ${invite.email} exists: sign in, then open the invite link again`, "email");
    if (error instanceof AlreadyMember) throw new Conflict(`${invite.email} is already a member of ${invite.organization}`);
    throw error;
  }
  setSessionCookie(c, session.token);
  await recordAudit(c.env.DB, { tenantId: invite.tenantId, action: "member.join", actor: { id: userId, email: invite.email }, target: { role: invite.role, invitedBy: invite.invitedBy }, where: origin(c) });
  return c.json({ tenant: { id: invite.tenantId, name: invite.organization }, user: { id: userId, email: invite.email }, role: invite.role });
});
