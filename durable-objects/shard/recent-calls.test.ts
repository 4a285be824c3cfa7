import { describe, expect, it } from "vitest";
import { Aggregate } from "../../worker/metrics/aggregate";
import type { GraphCall, GraphSpan } from "../../worker/model/service-graph";
import { SpanKind } from "../../worker/model/span";
import { RecentCalls } from "./recent-calls";

const HOUR = 3_600_000;
const call = (parent: string, child: string, childType: GraphCall["childType"] = "service"): GraphCall => ({ parent, child, childType, async: false, error: false, durationUs: 10, startUs: 0 });
const spanOf = (service: string): GraphSpan => ({ traceId: "t", spanId: "s", parentSpanId: "", service, name: "op", kind: SpanKind.SERVER, startUs: 0, durationUs: 1, error: false });

describe("a shard's memory of its tenant's calls", () => {
  it("starts from the stored hour buckets once, then learns each flush's calls", () => {
    const stored = new Aggregate();
    stored.addCall(call("shop", "payments"));
    stored.addSpan({ service: "payments", name: "POST /pay", kind: SpanKind.SERVER, durationUs: 5, error: false });
    stored.addSpan({ service: "shop", name: "POST /checkout", kind: SpanKind.SERVER, durationUs: 5, error: false });
    const memory = new RecentCalls();
    let reads = 0;
    const read = () => {
      reads++;
      return [{ bucket: 0, data: stored.encode() }];
    };
    memory.seedOnce(read, 0);
    memory.seedOnce(read, 0);
    expect(reads).toBe(1);
    expect(memory.graph().callers("payments")).toEqual([{ service: "shop", calls: 1 }]);
    expect(memory.graph().isCalled("ledger")).toBe(false);
    // A call to a peer named like a service that exports spans counts as a call to it.
    memory.note([call("payments", "ledger.prod.svc", "remote")], [spanOf("ledger")], 60_000);
    expect(memory.graph().callers("ledger")).toEqual([{ service: "payments", calls: 1 }]);
  });

  it("forgets calls not seen for two hours", () => {
    const memory = new RecentCalls();
    memory.seedOnce(() => [], 0);
    memory.note([call("shop", "payments")], [spanOf("shop"), spanOf("payments")], 0);
    memory.note([call("shop", "ledger")], [spanOf("ledger")], 2 * HOUR + 1);
    expect(memory.graph().isCalled("payments")).toBe(false);
    expect(memory.graph().isCalled("ledger")).toBe(true);
  });
});
