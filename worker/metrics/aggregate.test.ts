import { describe, expect, it } from "vitest";
import { SpanKind } from "../model/span";
import { Aggregate, aggregateByBucket, MAX_EDGES, MAX_OPERATIONS, MINUTE_MS, OTHER_CALLEES, OTHER_OPERATIONS, parseOperationKey } from "./aggregate";

const span = (service: string, name: string, durationUs: number, error = false) => ({ service, name, kind: SpanKind.SERVER, durationUs, error });

describe("a bucket's aggregate", () => {
  it("survives encoding exactly", () => {
    const a = new Aggregate();
    a.addSpan(span("api", "GET /", 1500));
    a.addSpan(span("api", "GET /", 2500, true));
    a.addCall({ parent: "api", child: "mysql", childType: "database", async: false, error: false, durationUs: 300, startUs: 0 });
    a.addEntry("api", 2);
    const b = Aggregate.decode(a.encode());
    expect([...b.operations.keys()]).toEqual([...a.operations.keys()]);
    expect(b.operations.get("api\tGET /\t2")).toMatchObject({ calls: 2, errors: 1 });
    expect(Math.abs((b.operations.get("api\tGET /\t2")?.latency.quantile(1) ?? 0) / 2500 - 1)).toBeLessThanOrEqual(0.01);
    expect(b.edges.get("api\tmysql\tdatabase\t0")?.calls).toBe(1);
    expect(b.entries.get("api")).toBe(2);
    expect(b.encode()).toEqual(a.encode());
  });

  it("folds operations and edges past the caps into one entry each, totals intact", () => {
    const a = new Aggregate();
    for (let i = 0; i < MAX_OPERATIONS + 50; i++) a.addSpan(span("api", `GET /item/${i}`, 100));
    for (let i = 0; i < MAX_EDGES + 20; i++) a.addCall({ parent: "api", child: `host-${i}`, childType: "remote", async: false, error: false, durationUs: 10, startUs: 0 });
    expect(a.operations.size).toBe(MAX_OPERATIONS + 1);
    expect(a.operations.get(`api\t${OTHER_OPERATIONS}\t-1`)?.calls).toBe(50);
    expect(a.edges.get(`api\t${OTHER_CALLEES}\tremote\t0`)?.calls).toBe(20);
    expect([...a.operations.values()].reduce((n, s) => n + s.calls, 0)).toBe(MAX_OPERATIONS + 50);
    expect(a.folded).toBe(70);
    // Merging keeps the cap too: an hour of distinct minutes stays bounded.
    const b = new Aggregate();
    for (let i = 0; i < MAX_OPERATIONS; i++) b.addSpan(span("api", `POST /other/${i}`, 100));
    a.merge(b);
    expect(a.operations.size).toBe(MAX_OPERATIONS + 1);
    expect([...a.operations.values()].reduce((n, s) => n + s.calls, 0)).toBe(2 * MAX_OPERATIONS + 50);
  });

  it("puts spans, calls and entries in the minute they started, and an hour is the sum of its minutes", () => {
    const spans = [0, 30, 61, 125].map((s, i) => ({ ...span("api", "op", 1000 + i), traceId: "t", spanId: `${i}`, parentSpanId: "", startUs: s * 1e6 }));
    const minutes = aggregateByBucket(spans, [], [{ service: "api", startUs: 61e6 }], MINUTE_MS);
    expect([...minutes.keys()]).toEqual([0, 60_000, 120_000]);
    expect(minutes.get(0)?.operations.get("api\top\t2")?.calls).toBe(2);
    expect(minutes.get(60_000)?.entries.get("api")).toBe(1);
    const hour = [...minutes.values()].reduce((h, m) => h.merge(m), new Aggregate());
    const all = aggregateByBucket(spans, [], [{ service: "api", startUs: 61e6 }], 60 * MINUTE_MS).get(0);
    expect(hour.encode()).toEqual(all?.encode());
    expect(parseOperationKey("api\top\t2")).toEqual({ service: "api", operation: "op", kind: 2 });
  });
});
