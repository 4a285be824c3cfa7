/**
 * The D1 schema: what is global and small — accounts, keys, sessions and the tenant directory.
 * Nothing here grows with spans, traces or blocks: each tenant's trace index lives in its own
 * Durable Objects and R2 (durable-objects/trace-shard.ts), so one shared database never limits
 * how much all tenants together can store. `npm run db:generate` turns it into a
 * numbered flat SQL file under migrations/ (drizzle-kit 0.31: flat files are what wrangler's
 * `d1 migrations apply` reads). Times are integer milliseconds (µs where Jaeger needs them).
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The tenant directory: each tenant's settings that the storage objects act on. */
export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
  /** Days its traces are kept (1–90); its objects delete older blocks on their own schedule. */
  retentionDays: integer("retention_days").notNull().default(30),
  /**
   * JSON array of every trace-shard count this tenant has had, the current one last. A trace's
   * shard is hash(tenant, traceId) mod count, so a lookup asks the shard under each count ever
   * used: changing the count never hides a trace stored under an earlier one.
   */
  shardCounts: text("shard_counts").notNull().default("[1]"),
  /** Its plan (worker/limits/plans.ts): spans per second, burst and monthly quota. Configuration, not billing. */
  plan: text("plan").notNull().default("free"),
  /**
   * Names the tenant in the remote-sampling URL (`/t/{samplingId}/sampling`), which stock samplers
   * poll without credentials: unguessable, rotatable, and it reads strategies only.
   */
  samplingId: text("sampling_id").unique(),
  /** JSON: the tenant's sampling settings (worker/sampling/): strategies, tail policy, adaptive mode. Null: the defaults. */
  sampling: text("sampling"),
  /**
   * JSON: the tenant's model price table (worker/model/model-prices.ts), ≤ 200 models. Null: the
   * defaults. Small and global config, read by the routes that price GenAI traces; never per span.
   */
  modelPrices: text("model_prices"),
});

/** A user is a login; which organisations (tenants) they belong to, and as what, is `memberships`. */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** Stored lower-cased, so sign-up and login agree on "Ann@x.io" and "ann@x.io". */
  email: text("email").notNull().unique(),
  /** PBKDF2-SHA256 output and its per-user salt, base64. */
  passwordHash: text("password_hash").notNull(),
  passwordSalt: text("password_salt").notNull(),
  passwordIterations: integer("password_iterations").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie's token: a stolen database does not yield live sessions. */
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** The organisation the user is working in now; switching changes it (worker/accounts/sessions.ts). */
    tenantId: text("tenant_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    /**
     * When the session was last used, written at most every few minutes (worker/accounts/sessions.ts):
     * a session idle past the idle timeout is refused although its absolute expiry is far off.
     */
    lastSeenAt: integer("last_seen_at").notNull().default(0),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

/**
 * Who belongs to which organisation, and as what (worker/accounts/roles.ts). Deleting a user
 * deletes their memberships with them (cascade): deleting an organisation deletes the users it
 * leaves without any organisation in one statement.
 */
export const memberships = sqliteTable(
  "memberships",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** owner, admin, member or viewer. */
    role: text("role").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index("memberships_user").on(t.userId)],
);

/**
 * Pending invitations. The link's token is stored only as its SHA-256 (as keys and sessions are);
 * the row is deleted when the invite is accepted, revoked or found expired. At most
 * MAX_PENDING_INVITES an organisation (worker/accounts/invites.ts), so the table stays small.
 */
export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    email: text("email").notNull(),
    role: text("role").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** The inviting user's id and email, as text: the inviter may leave before the invite is used. */
    invitedBy: text("invited_by").notNull(),
    invitedByEmail: text("invited_by_email").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("invites_tenant").on(t.tenantId)],
);

/**
 * The organisation's audit trail: key, member, setting and sign-in events. Small account data,
 * capped per organisation (worker/accounts/audit.ts: the newest rows within 90 days, sign-in
 * failures capped apart so a password guesser cannot push the rest out). Actor and target are
 * copied as text, so an event outlives the user or key it names.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id").notNull(),
    at: integer("at").notNull(),
    action: text("action").notNull(),
    actorId: text("actor_id"),
    actorEmail: text("actor_email"),
    /** What the action was done to: a key, a member, a setting (JSON, small). */
    target: text("target"),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("audit_tenant").on(t.tenantId, t.id)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** The first characters of the key, shown in lists so a user can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex. Keys have 256 bits of entropy, so a fast hash is enough. */
    keyHash: text("key_hash").notNull().unique(),
    /** JSON array, a subset of ["ingest","read"]. */
    scopes: text("scopes").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
    /** Caps the key's owner set to protect their budget (null: none). Enforced with the tenant's limits. */
    spansPerSecond: integer("spans_per_second"),
    spansPerDay: integer("spans_per_day"),
    /** The user who created it (null: made at sign-up or before organisations): a member may revoke only their own. */
    createdBy: text("created_by"),
  },
  (t) => [index("api_keys_tenant").on(t.tenantId)],
);
