/**
 * The whole demo traffic (test/demo/traffic.ts: HotROD — frontend, customer, driver, route,
 * eta-planner with its gen_ai calls, and notification's traces linked to frontend's kafka
 * messages) raises no finding: every path the detector reads, from the span facts a flush takes
 * out of the stored protobuf bytes (digestOtlp) to the findings over a window of traces.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../test/demo/traffic";
import { Aggregate, aggregateByBucket } from "../metrics/aggregate";
import { serviceCalls, type GraphSpan } from "../model/service-graph";
import { graphOf } from "../query/broken-traces";
import { digestOtlp } from "../trace-index/digest";
import { findBreaks } from "./detect";
import { byTrace, traceSigns, type TraceSigns } from "./signs";

/** The demo's spans as a flush reads them, and the tenant's call graph as the shards' buckets would hold it. */
function demo(requests: number, seed: number, edit: (facts: GraphSpan[]) => void = () => {}) {
  const { spans, summary } = collectHotrodSpans({ requests, seed });
  const facts: GraphSpan[] = [];
  digestOtlp("", ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array, facts);
  expect(facts).toHaveLength(summary.spans);
  edit(facts);
  const { calls, entries } = serviceCalls(facts);
  const total = new Aggregate();
  for (const bucket of aggregateByBucket(facts, calls, entries, 60_000).values()) total.merge(bucket);
  return { facts, summary, graph: graphOf(total) };
}

// Generating and digesting ~25,000 spans takes seconds on a loaded machine: more than the default 5.
describe("broken propagation over the demo traffic", { timeout: 60_000 }, () => {
  it("finds no sign in any of 400 HotROD requests and their linked notification traces", () => {
    const { facts, summary, graph } = demo(400, 11);
    // The graph does know who calls whom (so roots in called services would be looked at)…
    expect(graph.callers("customer").map((c) => c.service)).toEqual(["frontend"]);
    expect(graph.isCalled("notification")).toBe(true);
    // …and no trace shows a sign, so nothing would be stored, and nothing is found.
    const traces = byTrace(facts);
    expect(traces.size).toBe(summary.traces);
    const records = [...traces.values()].map((t) => traceSigns(t, graph)).filter((r): r is TraceSigns => r !== null);
    expect(records).toEqual([]);
    expect(findBreaks(records, graph)).toEqual([]);
  });

  it("finds every request where frontend's call to driver lost its context, and names frontend", () => {
    // In 5 of the requests, driver's SERVER span (and everything under it) starts a trace of its
    // own — what driver sees when frontend's HTTP client sends no traceparent:
    //
    //   dispatch trace:  frontend SERVER GET /dispatch
    //                    ├ frontend CLIENT driver.DriverService/FindNearest   ← nobody answered now
    //                    └ …
    //   new trace:       driver SERVER driver.DriverService/FindNearest (no parent) ─ redis calls
    const broken = new Map<string, string>();
    const { facts, graph } = demo(60, 5, (facts) => {
      const servers = facts.filter((s) => s.service === "driver" && s.kind === 2).slice(0, 5);
      for (const server of servers) {
        // A new trace id: the old one with its first digit changed.
        const fragment = `${server.traceId.startsWith("f") ? "e" : "f"}${server.traceId.slice(1)}`;
        broken.set(server.traceId, fragment);
        const moved = new Set([server.spanId]);
        // Its descendants, found in whatever order the spans come: repeat until nothing moves.
        for (let grew = true; grew; ) {
          grew = false;
          for (const s of facts) {
            if (s.traceId !== server.traceId || !moved.has(s.parentSpanId) || moved.has(s.spanId)) continue;
            moved.add(s.spanId);
            grew = true;
          }
        }
        for (const s of facts) if (s.traceId === server.traceId && moved.has(s.spanId)) s.traceId = fragment;
        server.parentSpanId = "";
      }
    });
    expect(broken.size).toBe(5);
    const records = [...byTrace(facts).values()].map((t) => traceSigns(t, graph)).filter((r): r is TraceSigns => r !== null);
    const findings = findBreaks(records, graph);
    expect(findings.map((f) => f.traceId).sort()).toEqual([...broken.values()].sort());
    for (const finding of findings) {
      expect(finding.suspect).toBe("frontend");
      expect(finding.sign).toBe("dangling-call");
      const dispatch = finding.fragments[0] as string;
      expect(broken.get(dispatch)).toBe(finding.traceId);
      expect(finding.fragments).toEqual([dispatch, finding.traceId]);
      expect(finding.evidence[1]).toMatch(/^driver does continue the context of calls from frontend \(\d+\)/);
    }
  });
});
