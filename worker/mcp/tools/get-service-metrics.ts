import { z } from "zod";
import { clip, plural, sig } from "../../digest/format";
import { MINUTE_MS, MINUTE_RANGE_MAX_MS } from "../../metrics/aggregate";
import { SpanKind } from "../../model/span";
import { loadBuckets, serviceView } from "../../query/metrics";
import { defineTool, LOOKBACK_HELP, lookbackMs } from "../tool";

const HOUR_MS = 3_600_000;
/** A dozen points show a trend; more is noise in a model's context. */
const POINTS = 12;
const MAX_OPERATIONS = 15;
const KIND_NAMES: Record<number, string> = { [SpanKind.SERVER]: "server", [SpanKind.CONSUMER]: "consumer" };

export const getServiceMetrics = defineTool({
  name: "get_service_metrics",
  title: "Service RED metrics",
  description:
    "A service's rate, errors and duration (p50/p95/p99) over time, from its server and consumer spans, and its operations ranked by impact (rate × p95).",
  input: {
    service: z.string().min(1).max(256).describe("A service name, as list_services gives it."),
    lookback: z.string().max(32).optional().describe(`${LOOKBACK_HELP} Default "1h".`),
  },
  async run({ env, tenant, now }, { service, lookback }) {
    const span = lookbackMs(lookback, "1h");
    // Whole minutes, or whole hours once the range is read from hour buckets (as the Monitor page steps).
    const unit = span > MINUTE_RANGE_MAX_MS ? HOUR_MS : MINUTE_MS;
    const stepMs = Math.max(unit, Math.ceil(span / POINTS / unit) * unit);
    const start = now - span;
    const buckets = await loadBuckets(env, tenant, start, now, { stepMs, now });
    const view = serviceView(buckets, service, [SpanKind.SERVER, SpanKind.CONSUMER], start, now, stepMs);
    const calls = view.series.reduce((n, p) => n + p.calls, 0);
    if (!calls) return `No server or consumer spans of "${clip(service, 80)}" in the last ${lookback ?? "1h"}: check the name with list_services, or widen the lookback.`;
    const errors = view.series.reduce((n, p) => n + p.errors, 0);
    const series = view.series
      .slice(-POINTS)
      .map((p) => `| ${new Date(p.t).toISOString().slice(0, 16)}Z | ${p.calls} | ${sig(p.rate)} | ${(p.errorRate * 100).toFixed(1)}% | ${sig(p.p50)} | ${sig(p.p95)} | ${sig(p.p99)} |`);
    const operations = view.operations
      .slice(0, MAX_OPERATIONS)
      .map((o) => `| ${clip(o.name, 100)} | ${KIND_NAMES[o.kind] ?? o.kind} | ${o.calls} | ${(o.errorRate * 100).toFixed(1)}% | ${sig(o.p50)} | ${sig(o.p95)} | ${sig(o.p99)} | ${sig(o.impact)} |`);
    const moreOps = view.operations.length - operations.length;
    return [
      `${clip(service, 80)} over the last ${lookback ?? "1h"}: ${plural(calls, "call")}, ${plural(errors, "error")} (${((errors / calls) * 100).toFixed(1)}%). Durations in ms, steps of ${stepMs / MINUTE_MS} min.`,
      "",
      "| step start | calls | rate /s | errors | p50 | p95 | p99 |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...series,
      "",
      "Operations by impact (rate × p95):",
      "| operation | kind | calls | errors | p50 | p95 | p99 | impact |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...operations,
      ...(moreOps ? [`… and ${moreOps} more operations`] : []),
    ].join("\n");
  },
});
