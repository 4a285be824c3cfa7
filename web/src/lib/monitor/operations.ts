/**
 * The Monitor's operations table: its columns, their sorting, and where a row leads. The route
 * answers operations by impact (rate × p95, where a service's time goes); the reader may sort by
 * any column, and each row opens the trace search for that operation over the same range.
 */
import { readQuery, writeQuery } from "../search/query";
import type { OperationStats } from "./api";
import { kindName } from "./format";
import type { TimeRange } from "./range";
import { nextSort as nextTableSort, sortRows, type Column, type Sort } from "./table-sort";

export type OperationColumn = "name" | "kind" | "rate" | "errorRate" | "p50" | "p95" | "p99" | "impact";
export type OperationSort = Sort<OperationColumn>;

/** A latency or rate the route could not compute (NaN) sorts as 0, beside the idle operations. */
const finite = (n: number) => (Number.isFinite(n) ? n : 0);

export const COLUMNS: ReadonlyArray<Column<OperationStats, OperationColumn>> = [
  { column: "name", label: "Operation", numeric: false, value: (op) => op.name },
  { column: "kind", label: "Kind", numeric: false, value: (op) => kindName(op.kind) },
  { column: "rate", label: "Rate", numeric: true, value: (op) => finite(op.rate) },
  { column: "errorRate", label: "Errors", numeric: true, value: (op) => finite(op.errorRate) },
  { column: "p50", label: "p50", numeric: true, value: (op) => finite(op.p50) },
  { column: "p95", label: "p95", numeric: true, value: (op) => finite(op.p95) },
  { column: "p99", label: "p99", numeric: true, value: (op) => finite(op.p99) },
  { column: "impact", label: "Impact", numeric: true, value: (op) => finite(op.impact) },
];

export const DEFAULT_SORT: OperationSort = { column: "impact", direction: "descending" };

export const nextSort = (current: OperationSort, column: OperationColumn): OperationSort => nextTableSort(current, column, COLUMNS);

/** Ties: by impact, then name, then kind. */
const tieBreak = (a: OperationStats, b: OperationStats) => b.impact - a.impact || a.name.localeCompare(b.name) || a.kind - b.kind;

/** Operations in `sort` order, without changing the input. */
export function sortOperations(operations: readonly OperationStats[], sort: OperationSort): OperationStats[] {
  return sortRows(operations, sort, COLUMNS, tieBreak);
}

/**
 * The trace search for one operation of a service over the Monitor's range: the search page's
 * own URL writer, so the link holds exactly what its form would (the ranges are lookbacks it knows).
 */
export function searchHref(service: string, operation: string, range: TimeRange): string {
  const query = { ...readQuery(new URLSearchParams()), service, operation, lookback: range.value };
  return `/search?${writeQuery(query)}`;
}

/** Each operation's share of the service's time (impact / the biggest impact), 0..1, for the bar behind it. */
export function impactShare(operation: OperationStats, operations: readonly OperationStats[]): number {
  const most = Math.max(0, ...operations.map((op) => finite(op.impact)));
  return most > 0 ? finite(operation.impact) / most : 0;
}
