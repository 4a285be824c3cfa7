/**
 * Trace statistics: where the time went, by service or by service + operation.
 *
 * Self time (a span's duration not covered by its children) is the column to read: durations nest,
 * so summing them counts a parent and its children twice, while self times never overlap within a
 * span and add up to the work done. `selfShare` is a row's part of all self time in the trace, so
 * the column sums to 100 %. With parallel calls, total self time can exceed the trace's duration —
 * that is the point: it measures work, not wall clock.
 */
import { micros, type Micros } from "../../../../../worker/model/time";
import type { ViewTrace } from "./types";

export type StatsGrouping = "service" | "operation";

export interface StatRow {
  key: string;
  service: string;
  serviceIndex: number;
  /** null when grouped by service. */
  operation: string | null;
  count: number;
  errors: number;
  /** Sum of durations (nested spans of the same group count twice). */
  total: Micros;
  avg: Micros;
  min: Micros;
  max: Micros;
  selfTotal: Micros;
  selfAvg: Micros;
  selfMin: Micros;
  selfMax: Micros;
  /** This row's part of all self time in the trace, 0–1. */
  selfShare: number;
}

export function traceStatistics(trace: ViewTrace, grouping: StatsGrouping): StatRow[] {
  const groups = new Map<string, StatRow>();
  let allSelf = 0;
  for (const span of trace.spans) {
    const key = grouping === "service" ? span.service : `${span.service}\u0000${span.operation}`;
    let row = groups.get(key);
    if (!row) {
      row = {
        key,
        service: span.service,
        serviceIndex: span.serviceIndex,
        operation: grouping === "service" ? null : span.operation,
        count: 0,
        errors: 0,
        total: micros(0),
        avg: micros(0),
        min: micros(Infinity),
        max: micros(0),
        selfTotal: micros(0),
        selfAvg: micros(0),
        selfMin: micros(Infinity),
        selfMax: micros(0),
        selfShare: 0,
      };
      groups.set(key, row);
    }
    row.count++;
    if (span.error) row.errors++;
    row.total = micros(row.total + span.duration);
    row.min = micros(Math.min(row.min, span.duration));
    row.max = micros(Math.max(row.max, span.duration));
    row.selfTotal = micros(row.selfTotal + span.selfTime);
    row.selfMin = micros(Math.min(row.selfMin, span.selfTime));
    row.selfMax = micros(Math.max(row.selfMax, span.selfTime));
    allSelf += span.selfTime;
  }
  const rows = [...groups.values()];
  for (const row of rows) {
    row.avg = micros(row.total / row.count);
    row.selfAvg = micros(row.selfTotal / row.count);
    row.selfShare = allSelf > 0 ? row.selfTotal / allSelf : 0;
  }
  return sortStats(rows, "selfTotal", "desc");
}

export type StatColumn = Exclude<keyof StatRow, "key" | "serviceIndex">;

export function sortStats(rows: readonly StatRow[], column: StatColumn, direction: "asc" | "desc"): StatRow[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[column];
    const y = b[column];
    const order = typeof x === "string" || typeof y === "string" ? String(x ?? "").localeCompare(String(y ?? "")) : (x as number) - (y as number);
    // Ties fall back to the key so the order is stable between renders.
    return sign * order || a.key.localeCompare(b.key);
  });
}
