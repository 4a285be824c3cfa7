import { describe, expect, it } from "vitest";
import { serviceCalls, type GraphSpan } from "./service-graph";
import { SpanKind } from "./span";

let next = 1;
function span(service: string, kind: SpanKind, parent: GraphSpan | null, extra: Partial<GraphSpan> = {}): GraphSpan {
  const id = (next++).toString(16).padStart(16, "0");
  return { traceId: "t1", spanId: id, parentSpanId: parent?.spanId ?? "", service, name: `${service} op`, kind, startUs: 1000, durationUs: 100, error: false, ...extra };
}

const summary = (spans: GraphSpan[]) => {
  const { calls, entries } = serviceCalls(spans);
  return {
    calls: calls.map((c) => `${c.parent} -> ${c.child} [${c.childType}${c.async ? ", async" : ""}${c.error ? ", error" : ""}]`).sort(),
    entries: entries.map((e) => e.service).sort(),
  };
};

describe("the calls a trace's spans show", () => {
  it("pairs synchronous client/server calls, timed by the caller, and counts the root as an entry point", () => {
    //  frontend SERVER
    //  └ frontend CLIENT ─ customer SERVER
    //                      └ customer CLIENT (db.system=mysql, db.name=customers)   ← no answer: a database
    const root = span("frontend", SpanKind.SERVER, null);
    const client = span("frontend", SpanKind.CLIENT, root, { durationUs: 250 });
    const server = span("customer", SpanKind.SERVER, client, { durationUs: 200, error: true });
    const query = span("customer", SpanKind.CLIENT, server, { peer: { dbSystem: "mysql", dbName: "customers" } });
    expect(summary([root, client, server, query])).toEqual({
      calls: ["customer -> mysql customers [database]", "frontend -> customer [service, error]"],
      entries: ["frontend"],
    });
    expect(serviceCalls([root, client, server, query]).calls.find((c) => c.child === "customer")?.durationUs).toBe(250);
  });

  it("marks producer/consumer calls async, whether joined by parent or only by a span link across traces", () => {
    const root = span("frontend", SpanKind.SERVER, null);
    const producer = span("frontend", SpanKind.PRODUCER, root, { peer: { messagingSystem: "kafka", destination: "dispatch" } });
    const consumer = span("notification", SpanKind.CONSUMER, producer);
    const producer2 = span("frontend", SpanKind.PRODUCER, root, { peer: { messagingSystem: "kafka", destination: "dispatch" } });
    // The second message's consumer starts a trace of its own, linked to the producer.
    const linked = span("notification", SpanKind.CONSUMER, null, { traceId: "t2", links: [{ traceId: "t1", spanId: producer2.spanId }] });
    expect(summary([root, producer, consumer, producer2, linked])).toEqual({
      calls: ["frontend -> notification [service, async]", "frontend -> notification [service, async]"],
      entries: ["frontend"],
    });
  });

  it("names uninstrumented callees from peer.service, db.system, messaging.system or server.address, and skips the nameless", () => {
    const root = span("api", SpanKind.SERVER, null);
    const spans = [
      root,
      span("api", SpanKind.CLIENT, root, { peer: { service: "billing", serverAddress: "10.0.0.1" } }),
      span("api", SpanKind.CLIENT, root, { peer: { dbSystem: "redis" } }),
      span("api", SpanKind.PRODUCER, root, { peer: { messagingSystem: "rabbitmq" } }),
      span("api", SpanKind.CLIENT, root, { peer: { serverAddress: "maps.example.com" }, error: true }),
      span("api", SpanKind.CLIENT, root, { peer: {} }),
      span("api", SpanKind.CLIENT, root),
    ];
    expect(summary(spans).calls).toEqual([
      "api -> billing [remote]",
      "api -> maps.example.com [remote, error]",
      "api -> rabbitmq [queue, async]",
      "api -> redis [database]",
    ]);
  });

  it("counts a server span under another service's non-client span as a call from that service, and nothing within one service", () => {
    const root = span("gateway", SpanKind.SERVER, null);
    const internal = span("gateway", SpanKind.INTERNAL, root);
    const server = span("auth", SpanKind.SERVER, internal);
    const sameService = span("gateway", SpanKind.SERVER, internal);
    // A server span whose parent never arrived: neither an entry point nor a call.
    const orphan = span("auth", SpanKind.SERVER, null, { parentSpanId: "ffffffffffffffff" });
    expect(summary([root, internal, server, sameService, orphan])).toEqual({ calls: ["gateway -> auth [service]"], entries: ["gateway"] });
  });

  it("does not pair spans of different traces that happen to share span ids", () => {
    const client = span("a", SpanKind.CLIENT, null, { traceId: "x" });
    const server = span("b", SpanKind.SERVER, null, { traceId: "y", parentSpanId: client.spanId });
    expect(summary([client, server])).toEqual({ calls: [], entries: [] });
  });

  it("holds message spans whose other side is missing when asked, and pairs them once it comes", () => {
    const root = span("shop", SpanKind.SERVER, null);
    const producer = span("shop", SpanKind.PRODUCER, root, { peer: { messagingSystem: "kafka", destination: "orders" } });
    const client = span("shop", SpanKind.CLIENT, root, { peer: { serverAddress: "pay.example.com" } });
    // First flush: the message is not read yet. The producer is held, not drawn as a call to a queue;
    // the uninstrumented HTTP call is settled at once.
    const first = serviceCalls([root, producer, client], (s) => s.kind === SpanKind.PRODUCER || s.kind === SpanKind.CONSUMER);
    expect(first.calls.map((c) => c.child)).toEqual(["pay.example.com"]);
    expect(first.unpaired).toEqual([producer]);
    // Later, in a trace of its own: the consumer, linked to it, and a consumer of a parent that never came.
    const consumer = span("billing", SpanKind.CONSUMER, null, { traceId: "t9", links: [{ traceId: "t1", spanId: producer.spanId }] });
    const stray = span("billing", SpanKind.CONSUMER, null, { traceId: "t8", parentSpanId: "abababababababab" });
    const second = serviceCalls([consumer, stray, ...first.unpaired], () => true);
    expect(second.calls.map((c) => `${c.parent} -> ${c.child}${c.async ? " async" : ""}`)).toEqual(["shop -> billing async"]);
    expect(second.unpaired).toEqual([stray]);
    expect(second.entries).toEqual([]);
    // Held too long: a lone producer becomes a call to its queue, a linked consumer an entry point.
    const lone = span("shop", SpanKind.PRODUCER, root, { peer: { messagingSystem: "kafka", destination: "audit" } });
    const orphan = span("audit", SpanKind.CONSUMER, null, { traceId: "t7", links: [{ traceId: "t6", spanId: "cdcdcdcdcdcdcdcd" }] });
    expect(summary([lone, orphan])).toEqual({ calls: ["shop -> kafka audit [queue, async]"], entries: ["audit"] });
  });
});
