/**
 * Sorting for the Monitor's two tables (services, a service's operations): a click on a column
 * header sorts by it, a second click flips the direction. Rows keep a fixed order among ties, and
 * a row without a value (a service with no calls has no p95) always goes last, whichever way the
 * column is sorted — it is not the smallest value, it is no value.
 */

export type SortDirection = "ascending" | "descending";

export interface Sort<C extends string> {
  column: C;
  direction: SortDirection;
}

export interface Column<R, C extends string> {
  column: C;
  /** The header's text. */
  label: string;
  /** Numbers start with the biggest (what a reader looks for first), text from A. */
  numeric: boolean;
  value: (row: R) => number | string | null;
}

/**
 * The sort after a click on `column`: the same column flips direction; another starts where a
 * reader looks first — the biggest numbers, names from A.
 */
export function nextSort<R, C extends string>(current: Sort<C>, column: C, columns: ReadonlyArray<Column<R, C>>): Sort<C> {
  if (current.column === column) return { column, direction: current.direction === "ascending" ? "descending" : "ascending" };
  const numeric = columns.find((c) => c.column === column)?.numeric ?? true;
  return { column, direction: numeric ? "descending" : "ascending" };
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

/**
 * `rows` in `sort` order, without changing the input. `tieBreak` orders rows whose values are
 * equal, so rows never swap places between two renders of the same data.
 */
export function sortRows<R, C extends string>(rows: readonly R[], sort: Sort<C>, columns: ReadonlyArray<Column<R, C>>, tieBreak: (a: R, b: R) => number): R[] {
  const value = columns.find((c) => c.column === sort.column)?.value;
  if (!value) return [...rows].sort(tieBreak);
  const sign = sort.direction === "ascending" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return (x === null ? 1 : 0) - (y === null ? 1 : 0) || tieBreak(a, b);
    return sign * compareValues(x, y) || tieBreak(a, b);
  });
}

/** `aria-sort` for a header: only the sorted column says which way. */
export function ariaSort<C extends string>(sort: Sort<C>, column: C): "ascending" | "descending" | "none" {
  return sort.column === column ? sort.direction : "none";
}
