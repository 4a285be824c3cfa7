/**
 * The metrics routes the service map and the Monitor read (worker/routes/metrics.ts), and their
 * answers as the app uses them. All times are ms since the epoch, latencies ms, rates per second.
 *
 * These two calls live here rather than in `$lib/api/client` because that module belongs to the
 * app's shared kernel, which this feature does not change; they fail the same way (an ApiError
 * from the Jaeger `errors[]` or the Worker's `{error}` envelope) and end the session the same way.
 */
import { api } from "../api/client";
import { ApiError, errorFromBody, networkError } from "../api/errors";

export interface RequestOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** GET a JSON route of this origin with the session cookie; a failure becomes an ApiError. */
export async function getJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(path, { headers: { accept: "application/json" }, credentials: "same-origin", signal: options.signal });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw networkError(cause);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    // The shared client owns "the session has ended" (it sends the app to /login): asking it who
    // is logged in makes it see the same 401 and act, without a second copy of that logic here.
    if (response.status === 401) void api.me().catch(() => undefined);
    throw errorFromBody(response.status, body, response.statusText);
  }
  return body as T;
}

/** OTel span kinds the per-service route can filter by. */
export type SpanKindName = "server" | "client" | "producer" | "consumer" | "internal";

export interface SeriesPoint {
  /** Step start, ms. */
  t: number;
  calls: number;
  /** Calls per second over the step. */
  rate: number;
  errors: number;
  /** errors / calls, 0..1 (0 when there were no calls). */
  errorRate: number;
  /** ms; 0 when there were no calls. */
  p50: number;
  p95: number;
  p99: number;
}

export interface OperationStats {
  name: string;
  /** OTel SpanKind number (2 server, 3 client, …). */
  kind: number;
  calls: number;
  errors: number;
  rate: number;
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
  /** rate × p95: where the time goes. */
  impact: number;
}

export interface ServiceMetrics {
  start: number;
  end: number;
  /** Width of the server's buckets: 60000 or 3600000 ms. */
  resolution: number;
  service: string;
  series: SeriesPoint[];
  /** Most impact first. */
  operations: OperationStats[];
}

export interface MetricsQuery {
  service: string;
  start: number;
  end: number;
  step: number;
  kinds: readonly SpanKindName[];
}

export function metricsPath(query: MetricsQuery): string {
  const params = new URLSearchParams({ start: String(query.start), end: String(query.end), step: String(query.step) });
  for (const kind of query.kinds) params.append("spanKind", kind);
  return `/api/services/${encodeURIComponent(query.service)}/metrics?${params}`;
}

export const serviceMetrics = (query: MetricsQuery, options: RequestOptions = {}) => getJson<ServiceMetrics>(metricsPath(query), options);

/**
 * Jaeger's MetricFamily (`GET /api/metrics/{latencies,calls,errors}`), as much of it as the
 * Monitor reads: one series a service, labelled `service_name`, with its points.
 */
export interface MetricFamily {
  name: string;
  metrics: Array<{ labels: Array<{ name: string; value: string }>; metricPoints: Array<{ gaugeValue: { doubleValue: number }; timestamp: string }> }>;
}

export type JaegerMetric = "latencies" | "calls" | "errors";

export interface OverviewQuery {
  services: readonly string[];
  start: number;
  end: number;
  kinds: readonly SpanKindName[];
}

/**
 * Jaeger's metrics route asked for exactly one point per service that covers [start, end): a
 * 1 ms lookback gives a single step at end − 1, and a rate window (`ratePer`) of the range less
 * that 1 ms makes its window [start, end − 1). The route reads buckets from `end − lookback −
 * ratePer` = start, so the range's length alone picks minute or hour buckets, as it does for the
 * per-service route. One request answers every service at once, where the per-service route
 * would take one request a service.
 */
export function overviewPath(metric: JaegerMetric, query: OverviewQuery): string {
  const range = query.end - query.start;
  const params = new URLSearchParams();
  for (const service of query.services) params.append("service", service);
  if (metric === "latencies") params.set("quantile", "0.95");
  params.set("endTs", String(query.end));
  params.set("lookback", "1");
  params.set("step", String(range));
  params.set("ratePer", String(Math.max(1, range - 1)));
  for (const kind of query.kinds) params.append("spanKind", kind);
  return `/api/metrics/${metric}?${params}`;
}

export const metricFamily = (metric: JaegerMetric, query: OverviewQuery, options: RequestOptions = {}) => getJson<MetricFamily>(overviewPath(metric, query), options);

/** A load's answer, settled: a page's `load` hands these out so nothing rejects before the page listens. */
export type Loaded<T> = { ok: true; value: T } | { ok: false; error: string; status: number };

export function settle<T>(promise: Promise<T>): Promise<Loaded<T>> {
  return promise.then(
    (value): Loaded<T> => ({ ok: true, value }),
    (error: unknown): Loaded<T> => ({
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      status: error instanceof ApiError ? error.status : 0,
    }),
  );
}
