/**
 * The filter tests run inside D1 (SQLite), in SQL we write by hand; here they run in Node's own
 * SQLite on filters built by bloom.ts, so SQL and JavaScript are checked to agree on every bit.
 */
import { DatabaseSync } from "node:sqlite";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { traceBlocks } from "../db/schema";
import { buildSqlFilter } from "../query/bloom";
import { termHash, traceIdTerm } from "../query/terms";
import { mayHold } from "./block-index";

const dialect = new SQLiteSyncDialect();
const db = new DatabaseSync(":memory:");
db.exec("CREATE TABLE trace_blocks (block_key TEXT, trace_filter BLOB, block_terms BLOB)");

function keysWhere(condition: ReturnType<typeof mayHold>): string[] {
  const query = dialect.sqlToQuery(condition);
  const rows = db.prepare(`SELECT block_key FROM trace_blocks WHERE ${query.sql}`).all(...(query.params as never[])) as Array<{ block_key: string }>;
  return rows.map((row) => row.block_key);
}

const present = Array.from({ length: 3000 }, (_, i) => termHash("order.id", `o-${i}`));
const ids = Array.from({ length: 2000 }, (_, i) => i.toString(16).padStart(32, "0"));
db.prepare("INSERT INTO trace_blocks VALUES ('with', ?, ?), ('unknown', ?, NULL)").run(
  buildSqlFilter(ids.map(traceIdTerm), ids.length, 4_000),
  buildSqlFilter(present, present.length, 100_000),
  buildSqlFilter([], 0, 10),
);

describe("filters tested in SQL", () => {
  it("keep a block holding the term, and a block without a term filter", () => {
    for (const term of present.slice(0, 200)) expect(keysWhere(mayHold(traceBlocks.blockTerms, term, true))).toEqual(["with", "unknown"]);
  });

  it("drop a block that lacks the term, but for ~1% false positives", () => {
    const absent = Array.from({ length: 1000 }, (_, i) => termHash("order.id", `missing-${i}`));
    const kept = absent.filter((term) => keysWhere(mayHold(traceBlocks.blockTerms, term, true)).includes("with")).length;
    expect(kept / absent.length).toBeLessThan(0.03);
  });

  it("find every trace id of a block, and rarely another", () => {
    for (const id of ids.slice(0, 300)) expect(keysWhere(mayHold(traceBlocks.traceFilter, traceIdTerm(id)))).toEqual(["with"]);
    const others = Array.from({ length: 1000 }, (_, i) => `f${i.toString(16).padStart(31, "0")}`);
    const kept = others.filter((id) => keysWhere(mayHold(traceBlocks.traceFilter, traceIdTerm(id))).length > 0).length;
    expect(kept / others.length).toBeLessThan(0.03);
  });
});
