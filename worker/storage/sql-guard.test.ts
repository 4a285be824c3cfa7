import { describe, expect, it } from "vitest";
import { checkStatement, SqlLimitExceeded, SQL_LIMITS } from "./sql-guard";

const refused = (query: string, values: unknown[]) => {
  try {
    checkStatement(query, values);
    return null;
  } catch (error) {
    if (error instanceof SqlLimitExceeded) return error.limit;
    throw error;
  }
};

describe("production SQL limits", () => {
  it("takes a value of exactly 2,000,000 bytes and refuses one byte more", () => {
    expect(refused("INSERT INTO t VALUES (?)", [new Uint8Array(SQL_LIMITS.rowBytes)])).toBeNull();
    expect(refused("INSERT INTO t VALUES (?)", [new Uint8Array(SQL_LIMITS.rowBytes + 1)])).toBe("rowBytes");
  });

  it("counts strings in UTF-8 bytes, not characters", () => {
    const euro = "€".repeat(666_667); // 3 bytes each: 2,000,001 bytes in 666,667 characters
    expect(refused("SELECT ?", [euro])).toBe("rowBytes");
    expect(refused("SELECT ?", ["a".repeat(SQL_LIMITS.rowBytes)])).toBeNull();
  });

  it("refuses a row whose values add up past the limit, but not a read binding as much", () => {
    const half = new Uint8Array(1_000_001);
    expect(refused("INSERT INTO t VALUES (?, ?)", [half, half])).toBe("rowBytes");
    expect(refused("  update t SET a = ?, b = ?", [half, half])).toBe("rowBytes");
    expect(refused("SELECT * FROM t WHERE a = ? OR b = ?", [half, half])).toBeNull();
  });

  it("takes 100 bound parameters and refuses 101", () => {
    expect(refused("SELECT 1", Array.from({ length: 100 }, () => 1))).toBeNull();
    expect(refused("SELECT 1", Array.from({ length: 101 }, () => 1))).toBe("boundParameters");
  });

  it("takes a statement of 100,000 bytes and refuses 100,001", () => {
    const at = (n: number) => `SELECT '${"x".repeat(n - 9)}'`;
    expect(at(100_000)).toHaveLength(100_000);
    expect(refused(at(100_000), [])).toBeNull();
    expect(refused(at(100_001), [])).toBe("statementBytes");
    expect(refused(`SELECT '${"é".repeat(50_000)}'`, [])).toBe("statementBytes");
  });
});
