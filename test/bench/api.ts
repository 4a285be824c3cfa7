/**
 * What the benchmarks ask of a running server: a tenant with ingest and read keys, its usage
 * report, waiting until its storage is at rest, and the cost of what it did per million spans.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { costPerMillionSpans, PRICES, type StoredNow, type UsageDay } from "../../worker/storage/usage.ts";

/** Lets the bench set its tenants' plans through the operator route (PUT /admin/tenants/{id}/plan). */
export const BENCH_ADMIN_TOKEN = "bench-admin-token";

/** The bench's servers compact per minute, not per hour (see run.ts). */
export const BENCH_VARS = { TRACE_COMPACTION_WINDOW_SECONDS: "60", ADMIN_TOKEN: BENCH_ADMIN_TOKEN };

export interface BenchTenant {
  tenantId: string;
  ingestKey: string;
  readKey: string;
}

/**
 * A tenant with an ingest key and a read key, on `plan`: by default the largest, so the parts that
 * measure throughput and cost are not refused by the free plan's 2,000 spans/s (the limits part
 * sets its own plans). Its limiter still admits every span, so its cost is in the figures.
 */
export async function signUpBench(url: string, name: string, plan = "enterprise"): Promise<BenchTenant> {
  const signup = await fetch(`${url}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@edgetrace.dev`, password: "benchmark-password", organization: name }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const { tenant, apiKey } = (await signup.json()) as { tenant: { id: string }; apiKey: { key: string } };
  const cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const created = await fetch(`${url}/api/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name: `${name} reader`, scopes: ["read"] }),
  });
  const { key } = (await created.json()) as { key: string };
  const planned = await fetch(`${url}/admin/tenants/${tenant.id}/plan`, {
    method: "PUT",
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ plan }),
  });
  if (!planned.ok) throw new Error(`setting plan ${plan} failed: ${planned.status} ${await planned.text()}`);
  return { tenantId: tenant.id, ingestKey: apiKey.key, readKey: key };
}

export interface UsageReport {
  openTraces: number;
  stored: StoredNow;
  days: UsageDay[];
}

export async function usageOf(url: string, tenant: BenchTenant): Promise<UsageReport> {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const response = await fetch(`${url}/api/usage?from=${day(Date.now() - 2 * 86_400_000)}&to=${day(Date.now() + 86_400_000)}`, {
    headers: { authorization: `Bearer ${tenant.readKey}` },
  });
  if (!response.ok) throw new Error(`usage: ${response.status} ${await response.text()}`);
  return (await response.json()) as UsageReport;
}

/** Waits until no trace is open and (with `compacted`) every block has been compacted. */
export async function waitForRest(url: string, tenant: BenchTenant, options: { compacted: boolean; timeoutMs?: number }): Promise<UsageReport> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  for (;;) {
    const report = await usageOf(url, tenant);
    if (report.openTraces === 0 && (!options.compacted || report.stored.freshBlocks === 0)) return report;
    if (Date.now() > deadline) throw new Error(`storage not at rest after ${(options.timeoutMs ?? 300_000) / 1000} s: ${JSON.stringify({ open: report.openTraces, ...report.stored })}`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

const sum = (days: UsageDay[], key: keyof Omit<UsageDay, "day">) => days.reduce((n, d) => n + d[key], 0);

/** What the tenant's ingest limiter counted this month (GET /admin/tenants/{id}/limits). */
export interface LimiterReport {
  monthSpans: number;
  /** Calls it answered: admissions and lease returns. */
  requests: number;
  alarms: number;
  rowsWritten: number;
}

export async function limiterOf(url: string, tenant: BenchTenant): Promise<LimiterReport> {
  const response = await fetch(`${url}/admin/tenants/${tenant.tenantId}/limits`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
  if (!response.ok) throw new Error(`limits of ${tenant.tenantId}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { limiter: LimiterReport }).limiter;
}

/** The limiter's calls, alarms and rows per million of its spans, priced. */
export function limiterCost(report: LimiterReport): { requests: number; rows: number; dollars: number } {
  const perMillion = (n: number) => (report.monthSpans > 0 ? (n * 1e6) / report.monthSpans : 0);
  const requests = perMillion(report.requests + report.alarms);
  const rows = perMillion(report.rowsWritten);
  return { requests, rows, dollars: requests * PRICES.objectRequest + rows * PRICES.rowWritten };
}

/** Prints the work per million spans and its price, with 30 days of storage and the ingest limits. */
export function printCost(title: string, report: UsageReport, workerRequests: number, limiter: LimiterReport): number {
  const spans = sum(report.days, "spansAppended");
  const perMillion = (n: number) => Math.round((n * 1e6) / spans).toLocaleString("en-US").padStart(9);
  const cost = costPerMillionSpans(report.days, report.stored, workerRequests, 1);
  const limits = limiterCost(limiter);
  const { stored } = report;
  console.log(`\n${title}: ${spans.toLocaleString("en-US")} spans in ${workerRequests.toLocaleString("en-US")} requests, after compaction`);
  console.log(`  per million spans: Worker requests ${perMillion(workerRequests)}, DO requests ${perMillion(sum(report.days, "appends") + sum(report.days, "alarms"))}, DO rows written ${perMillion(sum(report.days, "objectRowsWritten"))}, R2 writes ${perMillion(sum(report.days, "r2Puts"))}, R2 reads ${perMillion(sum(report.days, "r2Gets"))}, D1 rows 0`);
  console.log(
    `  stored: ${stored.blocks} blocks, ${(stored.r2Bytes / stored.spans).toFixed(1)} B/span in R2 (${(stored.rawBytes / stored.spans).toFixed(0)} B/span as sent), ` +
      `${(stored.indexBytes / stored.spans).toFixed(1)} B/span of index in the objects' SQLite (whose files hold ${(stored.objectBytes / 1e6).toFixed(1)} MB now, pending rows included)`,
  );
  const line = (name: string, dollars: number) => console.log(`    ${name.padEnd(34)} $${dollars.toFixed(5)}`);
  line("Worker requests", cost.workerRequests);
  line("Durable Object requests", cost.objectRequests);
  line("DO SQLite rows written", cost.objectRows);
  line("R2 writes (class A)", cost.r2Writes);
  line("R2 reads (class B)", cost.r2Reads);
  line("R2 storage, 30 days", cost.r2Storage);
  line("DO storage, 30 days", cost.objectStorage);
  line("metric buckets (hours 30 days)", cost.metricStorage);
  line("ingest limiter", limits.dollars);
  console.log(
    `      (${Math.round(limits.requests).toLocaleString("en-US")} limiter calls and alarms, ${Math.round(limits.rows).toLocaleString("en-US")} rows per million spans: ` +
      `${limiter.requests} calls, ${limiter.alarms} alarms for ${limiter.monthSpans.toLocaleString("en-US")} spans)`,
  );
  const total = cost.total + limits.dollars;
  console.log(`    ${"total per million spans".padEnd(34)} $${total.toFixed(4)}   (target ≤ $0.020)`);
  console.log(
    `    of which RED metrics and graph: $${cost.aggregation.toFixed(5)}  (goal ≤ $0.002; ${perMillion(sum(report.days, "metricRowsWritten")).trim()} rows written per million spans, ` +
      `buckets ${(stored.metricMinuteBytes / 1024).toFixed(0)} KB of minutes and ${(stored.metricHourBytes / 1024).toFixed(0)} KB of hours now)`,
  );
  console.log(`    of which limits and usage accounting (the ingest limiter): $${limits.dollars.toFixed(5)}  (goal ≤ $0.002)`);
  return total;
}

/** Sends spans in 512-span requests, 8 at a time, retried as an exporter would. */
export async function sendSpans(url: string, tenant: BenchTenant, spans: ReadableSpan[]): Promise<void> {
  const batches: ReadableSpan[][] = [];
  for (let i = 0; i < spans.length; i += 512) batches.push(spans.slice(i, i + 512));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const body = ProtobufTraceSerializer.serializeRequest(batches[next++] as ReadableSpan[]) as Uint8Array;
        // Also when a keep-alive connection the server closed while spans were being generated is
        // reused ("other side closed").
        for (let attempt = 0; ; attempt++) {
          try {
            const response = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf", "x-api-key": tenant.ingestKey }, body });
            await response.arrayBuffer();
            if (response.ok) break;
          } catch (error) {
            if (attempt >= 3) throw error;
          }
        }
      }
    }),
  );
}

/** Times `count` sequential GETs of `path` with the tenant's read key (ms each). */
export async function timeGets(url: string, tenant: BenchTenant, path: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}
