/**
 * `npm run bench`, part 6: the service graph and RED metrics over 24 hours of HotROD traffic.
 * Spans whose requests are spread over the last day (so every minute and hour bucket of the day
 * is filled, as a day of real traffic fills them), then the p50 of what Jaeger UI's System
 * Architecture and Monitor pages ask, and what our map and Monitor pages ask. The extra cost of
 * the aggregation per million spans is printed with each cost (parts 2 and 3).
 */
import { collectHotrodSpans } from "../demo/traffic.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { BENCH_VARS, percentile, sendSpans, signUpBench, timeGets, waitForRest } from "./api.ts";

const SPANS = Number(process.env.BENCH_METRICS_SPANS ?? 200_000);
const QUERIES = 40;
const DAY = 86_400_000;
const HOUR = 3_600_000;

const running: RunningServer[] = [];
process.on("exit", () => running.forEach((s) => process.kill(-s.pid, "SIGKILL")));

export async function runMetricsBench(): Promise<void> {
  if (!(SPANS > 0)) return;
  const server = await startServer({ vars: BENCH_VARS });
  running.push(server);
  try {
    const tenant = await signUpBench(server.url, "metrics");
    const now = Date.now();
    const { spans, summary } = collectHotrodSpans({ spanCount: SPANS, seed: 41, now, spreadMs: DAY - 10 * 60_000 });
    console.log(`\n6. service graph and RED metrics: ${spans.length.toLocaleString("en-US")} HotROD spans, ${summary.requests.length.toLocaleString("en-US")} requests spread over 24 h`);
    await sendSpans(server.url, tenant, spans);
    await waitForRest(server.url, tenant, { compacted: false });
    const end = Date.now();
    const cases: Array<[string, string]> = [
      ["Jaeger /api/dependencies, 24 h", `/api/dependencies?endTs=${end}&lookback=${DAY}`],
      ["Jaeger /api/metrics/latencies, 24 h (p95, step 1 min)", `/api/metrics/latencies?service=frontend&quantile=0.95&endTs=${end}&lookback=${DAY}&step=60000&ratePer=600000`],
      ["  … grouped by operation", `/api/metrics/latencies?service=frontend&quantile=0.95&groupByOperation=true&endTs=${end}&lookback=${DAY}&step=60000&ratePer=600000`],
      ["Jaeger /api/metrics/calls, 1 h (minute buckets)", `/api/metrics/calls?service=frontend&endTs=${end}&lookback=${HOUR}&step=60000&ratePer=600000`],
      ["service map /api/graph, 24 h", `/api/graph?start=${end - DAY}&end=${end}`],
      ["Monitor /api/services/frontend/metrics, 24 h", `/api/services/frontend/metrics?start=${end - DAY}&end=${end}`],
    ];
    const edges = (await (await fetch(`${server.url}${cases[0]?.[1]}`, { headers: { authorization: `Bearer ${tenant.readKey}` } })).json()) as { data: unknown[] };
    console.log(`   ${edges.data.length} dependency links over the day`);
    if (process.env.BENCH_SHOW_LINKS) console.log(edges.data);
    for (const [name, path] of cases) {
      await timeGets(server.url, tenant, path, 3); // warm
      const times = await timeGets(server.url, tenant, path, QUERIES);
      console.log(`   ${name.padEnd(56)} p50 ${percentile(times, 0.5).toFixed(1).padStart(6)} ms  p90 ${percentile(times, 0.9).toFixed(1).padStart(6)} ms${name.startsWith("Jaeger /api/dependencies") || name.startsWith("Jaeger /api/metrics/latencies") ? "  (goal p50 ≤ 100 ms)" : ""}`);
    }
  } catch (error) {
    console.error(server.output().slice(-3000));
    throw error;
  } finally {
    await server.stop();
    running.splice(running.indexOf(server), 1);
  }
}

if (process.argv[1]?.endsWith("metrics.ts")) {
  runMetricsBench().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
