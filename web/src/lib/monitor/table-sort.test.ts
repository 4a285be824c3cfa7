import { describe, expect, it } from "vitest";
import { ariaSort, nextSort, sortRows, type Column } from "./table-sort";

interface Row {
  name: string;
  p95: number | null;
}

type C = "name" | "p95";

const columns: ReadonlyArray<Column<Row, C>> = [
  { column: "name", label: "Name", numeric: false, value: (r) => r.name },
  { column: "p95", label: "p95", numeric: true, value: (r) => r.p95 },
];

const byName = (a: Row, b: Row) => a.name.localeCompare(b.name);
const rows: Row[] = [
  { name: "route", p95: 40 },
  { name: "idle", p95: null },
  { name: "customer", p95: 300 },
  { name: "also-idle", p95: null },
];
const names = (list: Row[]) => list.map((r) => r.name);

describe("sortRows", () => {
  it("puts rows without a value last whichever way the column is sorted", () => {
    expect(names(sortRows(rows, { column: "p95", direction: "descending" }, columns, byName))).toEqual(["customer", "route", "also-idle", "idle"]);
    expect(names(sortRows(rows, { column: "p95", direction: "ascending" }, columns, byName))).toEqual(["route", "customer", "also-idle", "idle"]);
  });

  it("sorts text columns alphabetically either way", () => {
    expect(names(sortRows(rows, { column: "name", direction: "ascending" }, columns, byName))).toEqual(["also-idle", "customer", "idle", "route"]);
    expect(names(sortRows(rows, { column: "name", direction: "descending" }, columns, byName))).toEqual(["route", "idle", "customer", "also-idle"]);
  });

  it("leaves its input alone", () => {
    const before = names(rows);
    sortRows(rows, { column: "p95", direction: "ascending" }, columns, byName);
    expect(names(rows)).toEqual(before);
  });
});

describe("nextSort and aria-sort", () => {
  it("flips the same column and starts a new one where a reader looks first", () => {
    expect(nextSort({ column: "name", direction: "ascending" }, "name", columns)).toEqual({ column: "name", direction: "descending" });
    expect(nextSort({ column: "name", direction: "ascending" }, "p95", columns)).toEqual({ column: "p95", direction: "descending" });
    expect(nextSort({ column: "p95", direction: "descending" }, "name", columns)).toEqual({ column: "name", direction: "ascending" });
  });

  it("marks only the sorted column", () => {
    expect(ariaSort({ column: "p95", direction: "ascending" }, "p95")).toBe("ascending");
    expect(ariaSort({ column: "p95", direction: "ascending" }, "name")).toBe("none");
  });
});
