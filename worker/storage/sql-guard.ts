/**
 * Cloudflare's SQL limits, enforced by us. Production refuses any Durable Object or D1 row, string
 * or BLOB over 2,000,000 bytes, any SQL statement over 100 KB and more than 100 bound parameters;
 * local workerd enforces none of them (a 5 MB row goes through). Every statement our storage runs
 * passes through `checkStatement`, so a local run fails exactly where production would — loudly,
 * at the statement that would break — instead of going green here and 503ing in production.
 *
 * The row check adds up the values a statement binds: every row we write is built from bound
 * values (literals live in the SQL text, which the statement limit already bounds).
 */

export const SQL_LIMITS = {
  /** Bytes in one row, and in one string or BLOB value. */
  rowBytes: 2_000_000,
  /** Bytes of SQL text in one statement. */
  statementBytes: 100_000,
  /** Values bound to one statement. */
  boundParameters: 100,
} as const;

export class SqlLimitExceeded extends Error {
  constructor(
    readonly limit: keyof typeof SQL_LIMITS,
    message: string,
  ) {
    super(`SQL limit exceeded (${limit}): ${message}`);
    this.name = "SqlLimitExceeded";
  }
}

const encoder = new TextEncoder();

/** UTF-8 length of a string, computed exactly only when the cheap bounds cannot decide. */
function utf8Length(text: string, limit: number): number {
  // Each UTF-16 unit encodes to at most 3 bytes: short strings need no counting.
  if (text.length * 3 <= limit) return text.length;
  return encoder.encode(text).byteLength;
}

function valueBytes(value: unknown): number {
  if (typeof value === "string") return utf8Length(value, SQL_LIMITS.rowBytes);
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 8;
}

const WRITES = /^\s*(insert|replace|update)\b/i;

/** Throws SqlLimitExceeded when production would refuse this statement. */
export function checkStatement(query: string, bindings: readonly unknown[]): void {
  if (utf8Length(query, SQL_LIMITS.statementBytes) > SQL_LIMITS.statementBytes) {
    throw new SqlLimitExceeded("statementBytes", `statement of ${encoder.encode(query).byteLength} bytes (max ${SQL_LIMITS.statementBytes})`);
  }
  if (bindings.length > SQL_LIMITS.boundParameters) {
    throw new SqlLimitExceeded("boundParameters", `${bindings.length} bound parameters (max ${SQL_LIMITS.boundParameters})`);
  }
  let total = 0;
  for (const value of bindings) {
    const bytes = valueBytes(value);
    if (bytes > SQL_LIMITS.rowBytes) throw new SqlLimitExceeded("rowBytes", `a value of ${bytes} bytes (max ${SQL_LIMITS.rowBytes})`);
    total += bytes;
  }
  if (total > SQL_LIMITS.rowBytes && WRITES.test(query)) {
    throw new SqlLimitExceeded("rowBytes", `a row of ${total} bytes (max ${SQL_LIMITS.rowBytes})`);
  }
}

/**
 * A Durable Object's SQLite behind the guard, counting the rows it writes (billed at $1 per
 * million): the object reports them as usage without any bookkeeping at the call sites.
 */
export class GuardedSql {
  /** Rows written since this object started (inserts, updates, deletes, index entries). */
  rowsWritten = 0;

  constructor(private readonly sql: SqlStorage) {}

  /** Runs a statement to completion; returns the rows it wrote. */
  run(query: string, ...bindings: SqlStorageValue[]): number {
    checkStatement(query, bindings);
    const cursor = this.sql.exec(query, ...bindings);
    // Consuming the cursor finishes the statement, and only then is rowsWritten final.
    for (const _ of cursor) void _;
    this.rowsWritten += cursor.rowsWritten;
    return cursor.rowsWritten;
  }

  all<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): T[] {
    checkStatement(query, bindings);
    const cursor = this.sql.exec<T>(query, ...bindings);
    const rows = cursor.toArray();
    this.rowsWritten += cursor.rowsWritten;
    return rows;
  }

  /** The first row, or undefined. */
  first<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
    return this.all<T>(query, ...bindings)[0];
  }

  /** Iterates rows lazily, for scans too large to hold at once. */
  *iterate<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): Generator<T> {
    checkStatement(query, bindings);
    yield* this.sql.exec<T>(query, ...bindings);
  }
}

/** Bytes as SQLite binds them (an ArrayBuffer), copied only when they are a view into a larger buffer. */
export function blob(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

/** `?, ?, ?` for n values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}

const guardedDatabases = new WeakMap<D1Database, D1Database>();

/**
 * D1 behind the same guard: every prepared statement is checked when its values are bound (or
 * when it runs unbound). drizzle and our own code see an ordinary D1Database.
 */
export function guardD1(db: D1Database): D1Database {
  const known = guardedDatabases.get(db);
  if (known) return known;
  const guarded = new Proxy(db, {
    get(target, property, receiver) {
      if (property === "prepare") {
        return (query: string) => guardStatement(target.prepare(query), query, false);
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  guardedDatabases.set(db, guarded);
  return guarded;
}

function guardStatement(statement: D1PreparedStatement, query: string, bound: boolean): D1PreparedStatement {
  return new Proxy(statement, {
    get(target, property, receiver) {
      if (property === "bind") {
        return (...values: unknown[]) => {
          checkStatement(query, values);
          return guardStatement(target.bind(...values), query, true);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (!bound && (property === "run" || property === "all" || property === "first" || property === "raw")) checkStatement(query, []);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
