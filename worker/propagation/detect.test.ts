import { describe, expect, it } from "vitest";
import { serviceCalls, type GraphSpan } from "../model/service-graph";
import { SpanKind } from "../model/span";
import { CallGraph, type CallEdge } from "./call-graph";
import { findBreaks } from "./detect";
import { traceSigns, type TraceSigns } from "./signs";

let nextId = 1;
/** A span of `trace` in `service`, under `parent` (or a root), from `start` for `duration` µs. */
function span(trace: string, service: string, kind: SpanKind, parent: GraphSpan | null, start: number, duration: number, extra: Partial<GraphSpan> = {}): GraphSpan {
  return { traceId: trace, spanId: (nextId++).toString(16).padStart(16, "0"), parentSpanId: parent?.spanId ?? "", service, name: `${service} ${kind}`, kind, startUs: start, durationUs: duration, error: false, ...extra };
}

/** The call graph a tenant's buckets would hold after these traces: their paired calls, their services. */
function graphOf(traces: GraphSpan[][]): CallGraph {
  const edges = new Map<string, CallEdge>();
  for (const call of serviceCalls(traces.flat()).calls) {
    const key = `${call.parent}>${call.child}>${call.childType}`;
    const edge = edges.get(key) ?? { parent: call.parent, child: call.child, childType: call.childType, async: call.async, calls: 0 };
    edge.calls++;
    edges.set(key, edge);
  }
  return new CallGraph(edges.values(), traces.flat().map((s) => s.service));
}

/** What the shards would record for `traces`, and what the query makes of it with the whole graph. */
function judge(traces: GraphSpan[][], healthy: GraphSpan[][] = []) {
  const graph = graphOf([...traces, ...healthy]);
  const records = traces.map((t) => traceSigns(t, graph)).filter((r): r is TraceSigns => r !== null);
  return { records, findings: findBreaks(records, graph) };
}

/**
 * A healthy request, as the graph learns `shop → payments → ledger` from it:
 *
 *   shop SERVER POST /checkout
 *   └ shop CLIENT POST /pay ─ payments SERVER POST /pay
 *                             └ payments CLIENT POST /ledger ─ ledger SERVER POST /ledger
 */
function healthy(trace: string, at: number): GraphSpan[] {
  const root = span(trace, "shop", SpanKind.SERVER, null, at, 10_000);
  const pay = span(trace, "shop", SpanKind.CLIENT, root, at + 100, 9_000, { peer: { service: "payments" } });
  const payServer = span(trace, "payments", SpanKind.SERVER, pay, at + 200, 8_800);
  const ledger = span(trace, "payments", SpanKind.CLIENT, payServer, at + 300, 5_000, { peer: { service: "ledger" } });
  const ledgerServer = span(trace, "ledger", SpanKind.SERVER, ledger, at + 400, 4_800);
  return [root, pay, payServer, ledger, ledgerServer];
}

describe("broken propagation: one trace's signs", () => {
  it("finds none in a healthy trace, a linked consumer's trace or a job a called service runs itself", () => {
    //   shop SERVER ─ … ─ ledger SERVER                  (healthy)
    //   ledger CONSUMER settle (link → a producer)        (a message: its context came by the link)
    //   ledger INTERNAL nightly-report                     (a job of its own)
    const traffic = [healthy("a1", 1_000_000), healthy("a2", 2_000_000)];
    const graph = graphOf(traffic);
    expect(traffic.map((t) => traceSigns(t, graph))).toEqual([null, null]);
    const consumer = span("c1", "ledger", SpanKind.CONSUMER, null, 3_000_000, 1_000, { links: [{ traceId: "a1", spanId: "0000000000000001" }] });
    const job = span("j1", "ledger", SpanKind.INTERNAL, null, 4_000_000, 1_000);
    expect(traceSigns([consumer], graph)).toBeNull();
    expect(traceSigns([job], graph)).toBeNull();
  });

  it("finds none where a load balancer's traceparent or an outbox relay starts a trace", () => {
    //   shop SERVER POST /checkout   parent 00000000000000aa: the load balancer's, which reports no spans
    //   ledger PRODUCER publish      (no parent: a relay polling an outbox table, in a called service)
    const graph = graphOf([healthy("a1", 1_000_000)]);
    expect(traceSigns([span("lb", "shop", SpanKind.SERVER, null, 2_000_000, 1_000, { parentSpanId: "00000000000000aa" })], graph)).toBeNull();
    expect(traceSigns([span("ob", "ledger", SpanKind.PRODUCER, null, 3_000_000, 1_000, { peer: { messagingSystem: "kafka" } })], graph)).toBeNull();
  });

  it("does not tie a SERVER root to a caller's request that merely ran at the same time", () => {
    //   trace q1:  payments SERVER POST /pay (no parent: payments is also called from outside)  [0 … 50 ms]
    //   trace q2:  ledger SERVER POST /ledger (no parent)                                       [10 … 12 ms]
    // At any load some request of a caller is running: that alone ties nothing.
    const { records, findings } = judge(
      [[span("q1", "payments", SpanKind.SERVER, null, 6_000_000, 50_000)], [span("q2", "ledger", SpanKind.SERVER, null, 6_010_000, 2_000)]],
      [healthy("a1", 1_000_000)],
    );
    expect(records).toHaveLength(2);
    expect(findings).toEqual([]);
  });

  it("raises no finding for a SERVER root in a called service that nothing ties to a caller", () => {
    // ledger also serves requests from outside: a root there, with no caller's call around it, is not a break.
    //   ledger SERVER GET /health   (no parent; no dangling call, no concurrent root of a caller)
    const { records, findings } = judge([[span("h1", "ledger", SpanKind.SERVER, null, 9_000_000, 500)]], [healthy("a1", 1_000_000)]);
    expect(records).toHaveLength(1);
    expect(findings).toEqual([]);
  });
});

describe("broken propagation: naming the service that dropped the context", () => {
  it("ties a fragment to the call nobody answered and names the caller, when the callee reads context from others", () => {
    //   trace b1:  shop SERVER POST /checkout
    //              └ shop CLIENT POST /pay ─ payments SERVER POST /pay
    //                                        └ payments CLIENT POST /ledger (peer.service=ledger)  ← nobody answered
    //   trace b2:  ledger SERVER POST /ledger  (no parent; started 0.1 ms into payments' call)
    //   earlier:   healthy requests, where payments → ledger carried its context
    const at = 5_000_000;
    const root = span("b1", "shop", SpanKind.SERVER, null, at, 10_000);
    const pay = span("b1", "shop", SpanKind.CLIENT, root, at + 100, 9_000, { peer: { service: "payments" } });
    const payServer = span("b1", "payments", SpanKind.SERVER, pay, at + 200, 8_800);
    const call = span("b1", "payments", SpanKind.CLIENT, payServer, at + 300, 5_000, { peer: { service: "ledger", serverAddress: "ledger.prod.svc" } });
    const fragment = span("b2", "ledger", SpanKind.SERVER, null, at + 400, 4_800);
    const { findings } = judge([[root, pay, payServer, call], [fragment]], [healthy("a1", 1_000_000), healthy("a2", 2_000_000)]);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({
      traceId: "b2",
      sign: "dangling-call",
      suspect: "payments",
      fragments: ["b1", "b2"],
      stitch: [{ traceId: "b2", spanId: fragment.spanId, parentTraceId: "b1", parentSpanId: call.spanId }],
      timeMs: (at + 400) / 1000,
    });
    expect(finding?.evidence[0]).toContain(`payments' CLIENT span "payments 3"`);
    expect(finding?.evidence[1]).toContain("ledger does continue the context of calls from payments (2)");
  });

  it("names the callee when no call into it ever carried context but the caller's other calls do", () => {
    //   shop SERVER ─ shop CLIENT ─ payments SERVER ┬ payments CLIENT (server.address=ledger.prod.svc…)  ← nobody answered
    //                                               └ payments CLIENT ─ audit SERVER      (payments does pass its context)
    //   ledger SERVER (no parent) inside that call — and the same every time: ledger never continues a trace
    const traces: GraphSpan[][] = [];
    for (let i = 0; i < 3; i++) {
      const at = 1_000_000 * (i + 1);
      const t = `n${i}`;
      const root = span(t, "shop", SpanKind.SERVER, null, at, 10_000);
      const pay = span(t, "shop", SpanKind.CLIENT, root, at + 100, 9_000, { peer: { service: "payments" } });
      const payServer = span(t, "payments", SpanKind.SERVER, pay, at + 200, 8_800);
      const call = span(t, "payments", SpanKind.CLIENT, payServer, at + 300, 5_000, { peer: { serverAddress: "ledger.prod.svc.cluster.local" } });
      const audit = span(t, "payments", SpanKind.CLIENT, payServer, at + 6_000, 1_000, { peer: { service: "audit" } });
      const auditServer = span(t, "audit", SpanKind.SERVER, audit, at + 6_100, 800);
      traces.push([root, pay, payServer, call, audit, auditServer], [span(`${t}-ledger`, "ledger", SpanKind.SERVER, null, at + 400, 4_800)]);
    }
    const { findings } = judge(traces);
    expect(findings.map((f) => [f.traceId, f.suspect, f.sign])).toEqual([
      ["n2-ledger", "ledger", "dangling-call"],
      ["n1-ledger", "ledger", "dangling-call"],
      ["n0-ledger", "ledger", "dangling-call"],
    ]);
    expect(findings[0]?.evidence[1]).toContain("no call into ledger ever does: ledger does not read incoming context");
  });

  it("ties each of many overlapping fragments to its own call: the enclosing call that started last before it", () => {
    //   payments CLIENT #0  [0 ─────── 5 ms]
    //   payments CLIENT #1     [1 ─────── 6 ms]        … 40 calls, 1 ms apart, each enclosing the next ones' starts
    //   ledger SERVER #i         starts 0.2 ms into call #i, lasts 4 ms
    const traces: GraphSpan[][] = [];
    const expected = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const at = 10_000_000 + i * 1_000;
      const server = span(`p${i}`, "payments", SpanKind.SERVER, null, at - 100, 5_300);
      const call = span(`p${i}`, "payments", SpanKind.CLIENT, server, at, 5_000, { peer: { service: "ledger" } });
      traces.push([server, call], [span(`l${i}`, "ledger", SpanKind.SERVER, null, at + 200, 4_000)]);
      expected.set(`l${i}`, `p${i}`);
    }
    const { findings } = judge(traces, [healthy("a1", 1_000_000)]);
    expect(findings).toHaveLength(40);
    for (const finding of findings) expect(finding.fragments).toEqual([expected.get(finding.traceId), finding.traceId]);
  });

  it("tolerates a few ms of clock skew between the caller's host and the callee's", () => {
    //   payments CLIENT POST /ledger        [5.000 s ──── 5.005 s]
    //   ledger SERVER (its clock 2 ms behind) [4.998 s … 5.002 s]
    const at = 5_000_000;
    const server = span("s1", "payments", SpanKind.SERVER, null, at - 100, 5_300);
    const call = span("s1", "payments", SpanKind.CLIENT, server, at, 5_000, { peer: { service: "ledger" } });
    const { findings } = judge([[server, call], [span("s2", "ledger", SpanKind.SERVER, null, at - 2_000, 4_000)]], [healthy("a1", 1_000_000)]);
    expect(findings.map((f) => [f.traceId, f.fragments])).toEqual([["s2", ["s1", "s2"]]]);
  });

  it("does not tie a fragment to a call it did not run inside", () => {
    //   payments CLIENT (peer ledger) [5.0 s … 5.005 s]
    //   ledger SERVER (no parent)                          [5.5 s …]   ← long after: another request
    const at = 5_000_000;
    const root = span("x1", "payments", SpanKind.SERVER, null, at, 10_000);
    const call = span("x1", "payments", SpanKind.CLIENT, root, at + 100, 5_000, { peer: { service: "ledger" } });
    const { findings } = judge([[root, call], [span("x2", "ledger", SpanKind.SERVER, null, at + 500_000, 1_000)]], [healthy("a1", 1_000_000)]);
    expect(findings).toEqual([]);
  });

  it("ties separate root traces at the same moment from services that call each other", () => {
    //   trace r1:  payments CLIENT POST /ledger  (no parent: payments lost its context)  [t, t+5 ms]
    //              └ ledger SERVER POST /ledger
    //   trace r2:  audit SERVER POST /audit     (no parent)  inside r1's root; payments → audit is a known call
    const at = 7_000_000;
    const lost = span("r1", "payments", SpanKind.CLIENT, null, at, 5_000, { peer: { service: "ledger" } });
    const server = span("r1", "ledger", SpanKind.SERVER, lost, at + 100, 4_800);
    const audit = span("r2", "audit", SpanKind.SERVER, null, at + 1_000, 1_000);
    // Healthy traffic where payments calls audit with its context.
    const h = healthy("a1", 1_000_000);
    const auditCall = span("a1", "payments", SpanKind.CLIENT, h[2] ?? null, 1_000_500, 1_000, { peer: { service: "audit" } });
    const auditServer = span("a1", "audit", SpanKind.SERVER, auditCall, 1_000_600, 800);
    const { findings } = judge([[lost, server], [audit]], [[...h, auditCall, auditServer]]);
    const byTrace = new Map(findings.map((f) => [f.traceId, f]));
    expect(byTrace.get("r1")).toMatchObject({ sign: "outgoing-root", suspect: "payments", fragments: ["r1"] });
    expect(byTrace.get("r1")?.evidence[1]).toBe("payments is called by shop (1 calls), so it had a context to pass on and lost it before this call");
    expect(byTrace.get("r2")).toMatchObject({ sign: "concurrent-roots", suspect: "payments", fragments: ["r1", "r2"], stitch: [{ traceId: "r2", spanId: audit.spanId, parentTraceId: "r1", parentSpanId: lost.spanId }] });
  });

  it("names the caller in the trace when a SERVER span's parent never arrived, and the service itself for an in-process parent", () => {
    //   trace m1:  shop SERVER POST /checkout
    //              ├ shop CLIENT POST /pay  ─ ✗ (never arrived: parent p…)
    //              │                           └ payments SERVER POST /pay   ← orphan
    //   trace m2:  ledger SERVER POST /ledger
    //              └ ✗ ledger INTERNAL (never arrived)
    //                └ ledger CLIENT INSERT (db)                              ← orphan
    const at = 8_000_000;
    const root = span("m1", "shop", SpanKind.SERVER, null, at, 10_000);
    const orphan = span("m1", "payments", SpanKind.SERVER, null, at + 200, 8_000, { parentSpanId: "00000000deadbeef" });
    const ledgerRoot = span("m2", "ledger", SpanKind.SERVER, null, at, 10_000);
    const query = span("m2", "ledger", SpanKind.CLIENT, null, at + 200, 1_000, { parentSpanId: "00000000feedf00d", peer: { dbSystem: "postgresql" } });
    const { findings } = judge([[root, orphan], [ledgerRoot, query]], [healthy("a1", 1_000_000)]);
    const byTrace = new Map(findings.map((f) => [f.traceId, f]));
    expect(byTrace.get("m1")).toMatchObject({ sign: "missing-parent", suspect: "shop", fragments: ["m1"] });
    expect(byTrace.get("m1")?.evidence).toEqual([
      `1 span names a parent that never arrived: payments' SERVER span "payments 2" names parent 00000000deadbeef`,
      "shop calls payments (1 calls in this window) and is in this trace, yet none of its spans is the parent: it passed the context on but its span never arrived",
    ]);
    expect(byTrace.get("m2")).toMatchObject({ sign: "missing-parent", suspect: "ledger" });
  });
});
