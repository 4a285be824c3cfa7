import { describe, expect, it } from "vitest";
import type { GraphSpan } from "../model/service-graph";
import { SpanKind } from "../model/span";
import { pairWithHeld } from "./pairing";

let next = 1;
const producer = (destination: string): GraphSpan => ({
  traceId: `p${next}`, spanId: String(next++).padStart(16, "0"), parentSpanId: "", service: "shop", name: "publish", kind: SpanKind.PRODUCER,
  startUs: 0, durationUs: 10, error: false, peer: { messagingSystem: "kafka", destination },
});
const consumerOf = (p: GraphSpan): GraphSpan => ({
  traceId: `c${next}`, spanId: String(next++).padStart(16, "0"), parentSpanId: "", service: "billing", name: "consume", kind: SpanKind.CONSUMER,
  startUs: 5, durationUs: 3, error: false, links: [{ traceId: p.traceId, spanId: p.spanId }],
});

describe("pairing over time", () => {
  it("holds lone message spans for the window, pairs them when the other side comes, settles them after", () => {
    const p = producer("orders");
    const first = pairWithHeld([p], [], { now: 1000, windowMs: 100 });
    expect(first.calls).toEqual([]);
    expect(first.keep).toEqual([{ span: p, until: 1100 }]);
    // Within the window its consumer arrives: one async call, nothing left held.
    const second = pairWithHeld([consumerOf(p)], first.keep, { now: 1050, windowMs: 100 });
    expect(second.calls.map((c) => `${c.parent}->${c.child}:${c.async}`)).toEqual(["shop->billing:true"]);
    expect(second.keep).toEqual([]);
    // Past the window, a held producer becomes a call to its queue.
    const late = pairWithHeld([], first.keep, { now: 1100, windowMs: 100 });
    expect(late.calls.map((c) => `${c.child}:${c.childType}`)).toEqual(["kafka orders:queue"]);
    expect(late.keep).toEqual([]);
  });

  it("hands new linked consumers to the shard that holds their producer's trace, never held ones", () => {
    const c = consumerOf(producer("orders"));
    const fresh = pairWithHeld([c], [], { now: 0, elsewhere: () => 3 });
    expect(fresh.forward.get(3)).toEqual([c]);
    expect(fresh.keep).toEqual([]);
    const held = pairWithHeld([], [{ span: c, until: 10 }], { now: 0, elsewhere: () => 3 });
    expect(held.forward.size).toBe(0);
    expect(held.keep).toHaveLength(1);
  });

  it("settles the longest-held first past the cap, so the held set stays bounded", () => {
    const held = Array.from({ length: 5 }, (_, i) => ({ span: producer(`q${i}`), until: 100 + i }));
    const result = pairWithHeld([], held, { now: 0, maxHeld: 3 });
    expect(result.keep.map((h) => h.until)).toEqual([102, 103, 104]);
    expect(result.calls.map((c) => c.child).sort()).toEqual(["kafka q0", "kafka q1"]);
  });
});
