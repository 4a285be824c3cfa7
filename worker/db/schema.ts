/**
 * The D1 schema: accounts, keys and the trace search index. `npm run db:generate` turns it into a
 * numbered flat SQL file under migrations/ (drizzle-kit 0.31: flat files are what wrangler's
 * `d1 migrations apply` reads). Times are integer milliseconds (µs where Jaeger needs them).
 */
import { blob, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
 * The trace index: one row per block — a batch of completed traces that one trace-assembly object
 * wrote to R2 in one flush — never one per trace or per span: rows written are billed ($1 per
 * million), and a per-trace row would cost more than everything else per span combined.
 * Per-trace facts live inside the row, packed (worker/query/block-entries.ts).
 *
 * A rowid table, not WITHOUT ROWID: rows are 50–200 KB, mostly overflow pages, and SQLite compares
 * the keys of WITHOUT ROWID (index b-tree) cells on their whole payload, so every seek read whole
 * rows — a lookup by trace id over 200 blocks took ~10 ms in SQLite alone, against ~0.5 ms here.
 * Rows written stay three a block (the row and two index entries): nothing needs (tenant,
 * block_key) unique, so it has no index; readers address rows by `id`.
 */
export const traceBlocks = sqliteTable(
  "trace_blocks",
  {
    /** The rowid (INTEGER PRIMARY KEY is its alias: no extra index; no AUTOINCREMENT, which writes a row). */
    id: integer("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** The R2 object holding the block's traces, one gzip member each. */
    blockKey: text("block_key").notNull(),
    /** The trace-assembly shard that wrote it: a trace id's shard is known, so lookups by id need only its blocks. */
    shard: integer("shard").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Earliest and latest trace start in the block, µs: search visits blocks newest first. */
    minStartUs: integer("min_start_us").notNull(),
    maxStartUs: integer("max_start_us").notNull(),
    /** Latest span end in the block, µs: with min_start_us, the block's time range, which search prunes by. */
    maxEndUs: integer("max_end_us").notNull(),
    traceCount: integer("trace_count").notNull(),
    spanCount: integer("span_count").notNull(),
    /**
     * A filter of the block's trace ids, tested in SQL before trace_index is read (worker/query/
     * bloom.ts). Small and early in the row: rows are mostly overflow pages, and a lookup by id
     * then reads them for ~1% of blocks instead of all.
     */
    traceFilter: blob("trace_filter", { mode: "buffer" }).notNull(),
    /** JSON array of the services with spans in the block. */
    services: text("services").notNull(),
    /** JSON `[[service, operation, kind], …]`: each operation of the block once (`/api/operations` reads it in SQL). */
    operations: text("operations").notNull(),
    /** A bloom filter of every attribute term in the block, tested in SQL by tag searches (worker/query/bloom.ts); null when unknown. */
    blockTerms: blob("block_terms", { mode: "buffer" }),
    /**
     * Fixed-width records, one per trace: 32 hex trace id, 8 hex byte offset, 8 hex byte length.
     * `instr()` finds a trace id in SQLite without parsing anything.
     */
    traceIndex: text("trace_index").notNull(),
    /** JSON: per trace, in trace_index order, its time, span count and per-operation durations and errors. */
    search: text("search").notNull(),
    /** JSON: per trace its attribute bloom filter, and the block's resources' terms. Read by tag searches only. */
    terms: text("terms"),
  },
  (t) => [
    index("trace_blocks_shard").on(t.tenantId, t.shard, t.createdAt),
    index("trace_blocks_time").on(t.tenantId, t.maxEndUs),
  ],
);
