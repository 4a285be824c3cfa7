import { z } from "zod";
import { clip, plural, sig } from "../../digest/format";
import { loadTotal, serviceGraph } from "../../query/metrics";
import { defineTool, LOOKBACK_HELP, lookbackMs } from "../tool";

/** Edges, busiest first: a graph of hundreds of services keeps its main roads. */
const MAX_EDGES = 60;

export const getDependencies = defineTool({
  name: "get_dependencies",
  title: "Service dependencies",
  description: "The service dependency graph: who calls whom (services, databases, queues), with call counts, errors and latency p50/p95/p99 as the caller waited.",
  input: { lookback: z.string().max(32).optional().describe(`${LOOKBACK_HELP} Default "24h".`) },
  async run({ env, tenant, now }, { lookback }) {
    const span = lookbackMs(lookback, "24h");
    const { total } = await loadTotal(env, tenant, now - span, now, now);
    const { nodes, edges } = serviceGraph(total);
    if (!edges.length && !nodes.length) return "No calls recorded in that period.";
    const sorted = [...edges].sort((a, b) => b.calls - a.calls);
    const lines = sorted.slice(0, MAX_EDGES).map((e) => {
      const errors = e.errors ? `, ${plural(e.errors, "error")} (${((e.errors / e.calls) * 100).toFixed(1)}%)` : "";
      const callee = e.childType === "service" ? clip(e.child, 80) : `${clip(e.child, 80)} (${e.childType})`;
      return `- ${clip(e.parent, 80)} → ${callee}${e.async ? " [async]" : ""}: ${plural(e.calls, "call")}${errors}, p50 ${sig(e.p50)} ms, p95 ${sig(e.p95)} ms, p99 ${sig(e.p99)} ms`;
    });
    const entries = nodes.filter((n) => n.entries > 0).map((n) => `${n.id} (${n.entries})`);
    const more = sorted.length - lines.length;
    return (
      `${plural(nodes.length, "node")}, ${plural(edges.length, "edge")} over the last ${lookback ?? "24h"}.` +
      `${entries.length ? `\nEntry points (requests from outside): ${entries.slice(0, 20).join(", ")}.` : ""}` +
      `\nCalls, busiest first:\n${lines.join("\n")}${more ? `\n- … and ${more} quieter edges` : ""}`
    );
  },
});
