/**
 * The D1 schema: accounts, keys and the trace search index. `npm run db:generate` turns it into a
 * numbered flat SQL file under migrations/ (drizzle-kit 0.31: flat files are what wrangler's
 * `d1 migrations apply` reads). Times are integer milliseconds (µs where Jaeger needs them).
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
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
    tenantId: text("tenant_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_user").on(t.userId)],
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
  },
  (t) => [index("api_keys_tenant").on(t.tenantId)],
);

/**
 * One row per completed trace: the search index and the pointer to the trace's bytes in R2.
 * Created WITHOUT ROWID (edited into the migration; drizzle cannot say it): the primary key is the
 * table, so an insert writes two rows (table + start index), not three — rows written are billed.
 */
export const traceSummaries = sqliteTable(
  "trace_summaries",
  {
    tenantId: text("tenant_id").notNull(),
    /** 32 lowercase hex. */
    traceId: text("trace_id").notNull(),
    /** Earliest span start and the trace's whole extent, in µs. */
    startUs: integer("start_us").notNull(),
    durationUs: integer("duration_us").notNull(),
    rootService: text("root_service").notNull(),
    rootOperation: text("root_operation").notNull(),
    spanCount: integer("span_count").notNull(),
    errorCount: integer("error_count").notNull(),
    /** JSON arrays of the services and of the "service\toperation" pairs present. */
    services: text("services").notNull(),
    operations: text("operations").notNull(),
    /** Where the trace's compressed spans live: an R2 block object and the byte range in it. */
    blockKey: text("block_key").notNull(),
    blockOffset: integer("block_offset").notNull(),
    blockLength: integer("block_length").notNull(),
    updatedAt: integer("updated_at")
      .notNull()
      .default(sql`(unixepoch() * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.traceId] }), index("trace_summaries_start").on(t.tenantId, t.startUs)],
);
