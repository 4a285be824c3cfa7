/**
 * The Monitor's overview: every service of the tenant with its request rate, error rate and p95
 * latency over the range, from one call for the service list and one per number (Jaeger's
 * metrics route answers all services at once: see `overviewPath`).
 */
import { api } from "../api/client";
import { metricFamily, type MetricFamily, type RequestOptions, type SpanKindName } from "./api";
import { DEFAULT_KINDS } from "./kinds";
import { nextSort as nextTableSort, sortRows, type Column, type Sort } from "./table-sort";

export interface ServiceRow {
  name: string;
  /** Calls per second over the range; 0 when it answered none. */
  rate: number;
  /** errors / calls, 0..1; null without calls. */
  errorRate: number | null;
  /** ms; null without calls. */
  p95: number | null;
}

/** Each service's last point of a MetricFamily (the overview asks for exactly one). */
export function familyValues(family: MetricFamily): Map<string, number> {
  const values = new Map<string, number>();
  for (const metric of family.metrics) {
    const service = metric.labels.find((l) => l.name === "service_name")?.value;
    const point = metric.metricPoints[metric.metricPoints.length - 1];
    if (service !== undefined && point && Number.isFinite(point.gaugeValue.doubleValue)) values.set(service, point.gaugeValue.doubleValue);
  }
  return values;
}

/**
 * One row a service: every service the tenant has (a service idle over the range is listed with
 * no calls rather than left out), and any the metrics know that the list does not (yet).
 */
export function overviewRows(services: readonly string[], families: { calls: MetricFamily; errors: MetricFamily; latencies: MetricFamily }): ServiceRow[] {
  const calls = familyValues(families.calls);
  const errors = familyValues(families.errors);
  const p95 = familyValues(families.latencies);
  const names = new Set([...services, ...calls.keys()]);
  return [...names].map((name) => {
    const rate = calls.get(name) ?? 0;
    return { name, rate, errorRate: rate > 0 ? (errors.get(name) ?? 0) : null, p95: rate > 0 ? (p95.get(name) ?? null) : null };
  });
}

export async function loadOverview(window: { start: number; end: number }, options: RequestOptions = {}, kinds: readonly SpanKindName[] = DEFAULT_KINDS): Promise<ServiceRow[]> {
  const services = await api.services(options);
  // The metrics route wants at least one service: a tenant without any has nothing to ask.
  if (services.length === 0) return [];
  const query = { services, kinds, ...window };
  const [calls, errors, latencies] = await Promise.all([metricFamily("calls", query, options), metricFamily("errors", query, options), metricFamily("latencies", query, options)]);
  return overviewRows(services, { calls, errors, latencies });
}

export type ServiceColumn = "name" | "rate" | "errorRate" | "p95";
export type ServiceSort = Sort<ServiceColumn>;

export const SERVICE_COLUMNS: ReadonlyArray<Column<ServiceRow, ServiceColumn>> = [
  { column: "name", label: "Service", numeric: false, value: (row) => row.name },
  { column: "rate", label: "Request rate", numeric: true, value: (row) => row.rate },
  { column: "errorRate", label: "Error rate", numeric: true, value: (row) => row.errorRate },
  { column: "p95", label: "p95 latency", numeric: true, value: (row) => row.p95 },
];

/** Busiest first: what a reader of an overview looks at first. */
export const DEFAULT_SERVICE_SORT: ServiceSort = { column: "rate", direction: "descending" };

export const nextServiceSort = (current: ServiceSort, column: ServiceColumn): ServiceSort => nextTableSort(current, column, SERVICE_COLUMNS);

export function sortServices(rows: readonly ServiceRow[], sort: ServiceSort): ServiceRow[] {
  return sortRows(rows, sort, SERVICE_COLUMNS, (a, b) => a.name.localeCompare(b.name));
}
