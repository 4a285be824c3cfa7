/**
 * Accounts: sign-up, login, logout and "who am I". Sign-up and login are throttled per client
 * (an IPv4 address or IPv6 /64, before any body is read or password hashed); sign-up also per
 * email, failed logins per (email, client) and per client (worker/middleware/rate-limit.ts).
 * Sign-up tells nobody whether an email has an account (worker/accounts/signup-decoy.ts).
 */
import { Hono } from "hono";
import { burnPasswordCheck, hashPassword, verifyPassword } from "../accounts/passwords";
import { emailField, nameField, newPasswordField, normalizeEmail, readJsonObject, stringField } from "../accounts/input";
import { clearSessionCookie, createSession, deleteSession, readSessionCookie, setSessionCookie } from "../accounts/sessions";
import { forgetTenantKeys } from "../accounts/api-keys";
import { createAccount, deleteTenantRows, EmailTaken, findAccount, findLogin, findPassword, userOrganizations } from "../accounts/users";
import { decoySignup, type SignupAnswer } from "../accounts/signup-decoy";
import { Forbidden, Unauthorized } from "../errors";
import { allShards, shardStub } from "../storage/shard-routing";
import { forgetTenant, MAX_SHARDS } from "../storage/tenant-directory";
import { origin, recordAudit, recordFailedSignIn } from "../accounts/audit";
import { requireSession, sessionOf } from "../middleware/auth";
import { clientFailureLimit, clientIp, consumeAttempt, emailLimit, limitPerIp } from "../middleware/rate-limit";
import { limiterStub } from "../limits/protocol";

export const accountRoutes = new Hono<{ Bindings: Env }>();

/** One message for unknown email and wrong password: the answer must not reveal who has an account. */
const BAD_LOGIN = "wrong email or password";

accountRoutes.post("/api/signup", limitPerIp("signup"), async (c) => {
  const body = await readJsonObject(c);
  const email = emailField(body);
  const password = newPasswordField(body);
  const organization = nameField(body, "organization");
  await consumeAttempt(c.env, `signup:email:${email}`, emailLimit(c.env));
  // One password hash and one D1 batch whether or not the email is taken (the unique index
  // refuses the batch), and the same answer: neither status, shape nor time reveals an account.
  let created: SignupAnswer;
  try {
    created = await createAccount(c.env.DB, { email, organization, password: await hashPassword(password), shards: defaultShards(c.env) });
  } catch (error) {
    if (!(error instanceof EmailTaken)) throw error;
    created = decoySignup(email, organization);
  }
  setSessionCookie(c, created.sessionToken);
  return c.json({ ...created.account, apiKey: created.apiKey }, 201);
});

accountRoutes.post("/api/login", limitPerIp("login"), async (c) => {
  const body = await readJsonObject(c);
  const email = normalizeEmail(stringField(body, "email", { max: 254 }));
  const password = stringField(body, "password", { max: 1024 });
  // Counted before checking, so parallel guesses cannot slip past the limits; refunded on success.
  // Per (email, client) and per client, never per email alone: failures from elsewhere must not
  // lock the owner out.
  const client = clientIp(c);
  const refunds = [
    await consumeAttempt(c.env, `login:failed:${client}`, clientFailureLimit(c.env)),
    await consumeAttempt(c.env, `login:email:${email}:${client}`, emailLimit(c.env)),
  ];
  const login = await findLogin(c.env.DB, email);
  if (!login) {
    await burnPasswordCheck(password);
    throw new Unauthorized(BAD_LOGIN);
  }
  if (!(await verifyPassword(password, { hash: login.hash, salt: login.salt, iterations: login.iterations }))) {
    await recordFailedSignIn(c.env.DB, { id: login.userId, email: login.email }, origin(c));
    throw new Unauthorized(BAD_LOGIN);
  }
  await Promise.all(refunds.map((refund) => refund()));
  setSessionCookie(c, await createSession(c.env.DB, login.userId, login.tenantId));
  await recordAudit(c.env.DB, { tenantId: login.tenantId, action: "signin", actor: { id: login.userId, email: login.email }, where: origin(c) });
  return c.json({ tenant: { id: login.tenantId, name: login.tenantName }, user: { id: login.userId, email: login.email } });
});

accountRoutes.post("/api/logout", async (c) => {
  const token = readSessionCookie(c);
  if (token) await deleteSession(c.env.DB, token);
  clearSessionCookie(c);
  return c.body(null, 204);
});

/** Who is signed in, the organisation they are working in and their role there, and every organisation they can switch to. */
accountRoutes.get("/api/me", requireSession(), async (c) => {
  const user = sessionOf(c);
  const [account, organizations] = await Promise.all([findAccount(c.env.DB, user.userId, c.get("tenantId")), userOrganizations(c.env.DB, user.userId)]);
  if (!account) throw new Unauthorized("not logged in");
  return c.json({ ...account, role: user.role, organizations });
});

/**
 * Deletes the organisation and everything it stored (its owners only). The password is asked again. Every shard first
 * refuses all calls and starts deleting its R2 objects and storage in the background (its alarm, a
 * batch at a time, done within minutes); then the tenant's D1 rows go in one transaction, so its
 * keys and logins stop working at once. 202: accepted, finishing in the background.
 */
accountRoutes.delete("/api/account", requireSession("owner"), async (c) => {
  const body = await readJsonObject(c);
  const password = stringField(body, "password", { max: 1024 });
  const principal = c.get("principal");
  const record = principal.kind === "session" ? await findPassword(c.env.DB, principal.userId) : undefined;
  if (!record || !(await verifyPassword(password, record))) throw new Forbidden("wrong password: the account was not deleted");
  const config = c.get("tenant");
  await Promise.all([
    ...allShards(config).map((shard) => shardStub(c.env, config.tenantId, shard).destroy()),
    limiterStub(c.env, config.tenantId).destroy(),
  ]);
  await deleteTenantRows(c.env.DB, config.tenantId);
  forgetTenant(config.tenantId);
  await forgetTenantKeys(config.tenantId);
  clearSessionCookie(c);
  return c.json({ deleted: config.tenantId, message: "the account is deleted; its stored traces are being erased and will be gone within minutes" }, 202);
});

/** Shards a new tenant gets (wrangler.toml TRACE_SHARDS). */
function defaultShards(env: Env): number {
  const n = Number(env.TRACE_SHARDS);
  return Number.isInteger(n) && n > 0 && n <= MAX_SHARDS ? n : 1;
}
