/**
 * `npm run bench`, part 7: ingest limits.
 *
 * - Isolation: tenant B sends 128-span requests steadily, first alone, then while tenant A floods
 *   at 5× its plan's rate. B must get only 200s, and its p99 with the flood must stay within 1.5×
 *   its p99 alone. (On this machine every tenant shares one workerd process and two cores, so what
 *   the flood costs the CPU shows up in B's latency; in production A's refusals run in A's own
 *   limiter object.)
 * - Cost: what the limits add per million spans — calls to the tenant's limiter ($0.15/M DO
 *   requests, alarms included) and the rows it writes ($1/M) — read from the limiter's own counts
 *   (GET /admin/tenants/{id}/limits).
 *
 * A's plan is a small one given by PLAN_OVERRIDES (2,000 spans/s, a burst of 4,000), set through
 * the operator route PUT /admin/tenants/{id}/plan.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { collectHotrodSpans } from "../demo/traffic.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { BENCH_ADMIN_TOKEN as ADMIN_TOKEN, BENCH_VARS, limiterCost, limiterOf, percentile, signUpBench, type BenchTenant } from "./api.ts";
import { freshBatches, type FreshBatches } from "./load.ts";

const SECONDS = Number(process.env.BENCH_LIMITS_SECONDS ?? 10);
/** Alone and flooded alternate, so noise from the rest of the machine hits both alike. */
const ROUNDS = 4;
const BATCH = 512;
const PLAN = { spansPerSecond: 2_000, burstSpans: 4_000, spansPerMonth: 1_000_000_000_000 };
/** The same, with a month's quota already used up after one request: every flood request refused. */
const SPENT_PLAN = { ...PLAN, spansPerMonth: 600 };
/**
 * A: 5× its rate, as 512-span requests. B: 12 requests of 128 spans a second (1,536 spans/s),
 * under its free plan's 2,000 — small requests, so a p99 is over 480 requests a condition, not
 * over a few dozen.
 */
const FLOOD_REQUESTS_PER_SECOND = (5 * PLAN.spansPerSecond) / BATCH;
const STEADY_BATCH = 128;
const STEADY_REQUESTS_PER_SECOND = 12;

interface Sent {
  statuses: Map<number, number>;
  latencies: number[];
  retryAfterMissing: number;
}

function merge(runs: Sent[]): Sent {
  const merged: Sent = { statuses: new Map(), latencies: [], retryAfterMissing: 0 };
  for (const run of runs) {
    for (const [status, n] of run.statuses) merged.statuses.set(status, (merged.statuses.get(status) ?? 0) + n);
    merged.latencies.push(...run.latencies);
    merged.retryAfterMissing += run.retryAfterMissing;
  }
  return merged;
}

const running: RunningServer[] = [];
process.on("exit", () => running.forEach((s) => process.kill(-s.pid, "SIGKILL")));

/** Sends at a fixed rate whatever the answers (open loop), as independent exporters would. */
async function sendAtRate(url: string, tenant: BenchTenant, batches: FreshBatches, perSecond: number, seconds: number): Promise<Sent> {
  const sent: Sent = { statuses: new Map(), latencies: [], retryAfterMissing: 0 };
  const started = performance.now();
  const total = Math.round(perSecond * seconds);
  await Promise.all(
    Array.from({ length: total }, async (_, i) => {
      const due = started + (i * 1000) / perSecond;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      const body = batches.next();
      const begin = performance.now();
      const response = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf", "x-api-key": tenant.ingestKey }, body });
      await response.arrayBuffer();
      sent.latencies.push(performance.now() - begin);
      sent.statuses.set(response.status, (sent.statuses.get(response.status) ?? 0) + 1);
      if (response.status === 429 && !response.headers.get("retry-after")) sent.retryAfterMissing++;
    }),
  );
  return sent;
}

async function admin(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const statusList = (sent: Sent) => [...sent.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${n}× ${status}`).join(", ");

export async function runLimitsBench(): Promise<void> {
  if (!(SECONDS > 0)) return;
  const server = await startServer({ vars: { ...BENCH_VARS, ADMIN_TOKEN, PLAN_OVERRIDES: JSON.stringify({ bench: PLAN, "bench-spent": SPENT_PLAN }) } });
  running.push(server);
  try {
    const { spans } = collectHotrodSpans({ spanCount: BATCH, seed: 31 });
    const body = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    const traceIds = spans.map((s) => s.spanContext().traceId);
    const steadySpans = spans.slice(0, STEADY_BATCH);
    const steadyBody = ProtobufTraceSerializer.serializeRequest(steadySpans) as Uint8Array;
    const steadyTraceIds = steadySpans.map((s) => s.spanContext().traceId);
    const flooder = await signUpBench(server.url, "flooder");
    const steady = await signUpBench(server.url, "steady", "free");
    await admin(server.url, "PUT", `/admin/tenants/${flooder.tenantId}/plan`, { plan: "bench" });
    console.log(
      `\n7. limits: tenant A floods at 5× its plan (${PLAN.spansPerSecond.toLocaleString("en-US")} spans/s, burst ${PLAN.burstSpans.toLocaleString("en-US")}: ` +
        `${FLOOD_REQUESTS_PER_SECOND.toFixed(1)} requests of ${BATCH} spans a second) while tenant B (free plan) sends ${STEADY_REQUESTS_PER_SECOND} requests of ${STEADY_BATCH} a second; ${ROUNDS} × ${SECONDS} s alone and with the flood, alternating`,
    );

    // Warm both tenants' objects and the isolate before measuring.
    await sendAtRate(server.url, steady, freshBatches(steadyBody, steadyTraceIds), 4, 2);
    await sendAtRate(server.url, flooder, freshBatches(body, traceIds), 2, 1);

    const aloneRuns: Sent[] = [];
    const floodRuns: Sent[] = [];
    const togetherRuns: Sent[] = [];
    const steadyBatches = freshBatches(steadyBody, steadyTraceIds);
    const floodBatches = freshBatches(body, traceIds);
    for (let round = 0; round < ROUNDS; round++) {
      aloneRuns.push(await sendAtRate(server.url, steady, steadyBatches, STEADY_REQUESTS_PER_SECOND, SECONDS));
      const [flooded, together] = await Promise.all([
        sendAtRate(server.url, flooder, floodBatches, FLOOD_REQUESTS_PER_SECOND, SECONDS),
        sendAtRate(server.url, steady, steadyBatches, STEADY_REQUESTS_PER_SECOND, SECONDS),
      ]);
      floodRuns.push(flooded);
      togetherRuns.push(together);
    }
    const [alone, flood, together] = [merge(aloneRuns), merge(floodRuns), merge(togetherRuns)];
    const p99Alone = percentile(alone.latencies, 0.99);
    const p99Together = percentile(together.latencies, 0.99);
    const onlyOk = (sent: Sent) => sent.statuses.size === 1 && sent.statuses.has(200);
    console.log(`   A flooding:      ${statusList(flood)}${flood.retryAfterMissing ? ` (${flood.retryAfterMissing} 429s without Retry-After!)` : ", every 429 with Retry-After"}`);
    const acceptedA = (flood.statuses.get(200) ?? 0) * BATCH;
    console.log(`                    accepted ${Math.round(acceptedA / (ROUNDS * SECONDS)).toLocaleString("en-US")} spans/s while flooding (plan ${PLAN.spansPerSecond.toLocaleString("en-US")}/s; the burst refills between floods)`);
    console.log(`   B alone:         ${statusList(alone)}   p50 ${percentile(alone.latencies, 0.5).toFixed(1)} ms  p99 ${p99Alone.toFixed(1)} ms`);
    console.log(`   B during flood:  ${statusList(together)}   p50 ${percentile(together.latencies, 0.5).toFixed(1)} ms  p99 ${p99Together.toFixed(1)} ms`);
    const p50Ratio = percentile(together.latencies, 0.5) / percentile(alone.latencies, 0.5);
    console.log(`   B only 200s: ${onlyOk(alone) && onlyOk(together) ? "yes" : "NO"};  p99 during flood / alone: ${(p99Together / p99Alone).toFixed(2)}  (target ≤ 1.5); p50 ratio ${p50Ratio.toFixed(2)}`);

    // What refusals alone cost B: A over its monthly quota, so none of its flood is stored.
    const spender = await signUpBench(server.url, "spender");
    await admin(server.url, "PUT", `/admin/tenants/${spender.tenantId}/plan`, { plan: "bench-spent" });
    await sendAtRate(server.url, spender, floodBatches, 1, 1);
    const refusedRuns: Sent[] = [];
    for (let round = 0; round < ROUNDS / 2; round++) {
      const [refusedFlood, beside] = await Promise.all([
        sendAtRate(server.url, spender, floodBatches, FLOOD_REQUESTS_PER_SECOND, SECONDS),
        sendAtRate(server.url, steady, steadyBatches, STEADY_REQUESTS_PER_SECOND, SECONDS),
      ]);
      if (refusedFlood.statuses.get(200)) throw new Error("a spent tenant's request was accepted");
      refusedRuns.push(beside);
    }
    const besideRefused = merge(refusedRuns);
    console.log(
      `   B beside a flood refused whole (A over its monthly quota): ${statusList(besideRefused)}   p50 ${percentile(besideRefused.latencies, 0.5).toFixed(1)} ms  ` +
        `p99 ${percentile(besideRefused.latencies, 0.99).toFixed(1)} ms (ratio to alone ${(percentile(besideRefused.latencies, 0.99) / p99Alone).toFixed(2)})`,
    );

    // The limits' own cost, from each tenant's limiter: after the leases' unused spans went back
    // (two lease windows) and its alarm wrote (every 5 s).
    await new Promise((r) => setTimeout(r, 16_000));
    for (const [name, tenant] of [[`B (steady, ${STEADY_BATCH}-span requests)`, steady], ["A (flooding; per span accepted)", flooder]] as const) {
      const report = await limiterOf(server.url, tenant);
      const { requests: objectRequests, rows, dollars } = limiterCost(report);
      console.log(
        `   cost of limits for ${name}: ${report.monthSpans.toLocaleString("en-US")} spans; per million spans ${Math.round(objectRequests).toLocaleString("en-US")} limiter requests ` +
          `(${report.requests} calls, ${report.alarms} alarms), ${Math.round(rows).toLocaleString("en-US")} rows written → $${dollars.toFixed(5)}  (goal ≤ $0.002)`,
      );
    }
  } catch (error) {
    console.error(server.output().slice(-3000));
    throw error;
  } finally {
    await server.stop();
    running.splice(running.indexOf(server), 1);
  }
}

if (process.argv[1]?.endsWith("limits.ts")) {
  runLimitsBench().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
