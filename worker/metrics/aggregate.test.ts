import { describe, expect, it } from "vitest";
import { SpanKind } from "../model/span";
import { Aggregate, aggregateByBucket, MAX_EDGES, MAX_OPERATIONS, MINUTE_MS, OTHER_CALLEES, OTHER_OPERATIONS, parseOperationKey, parseRootKey } from "./aggregate";

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

  it("counts the traces each root operation starts, whatever the root's kind, and only roots", () => {
    const root = (name: string, kind: SpanKind, parentSpanId = "") => ({ ...span("api", name, 100), kind, traceId: "t", spanId: name, parentSpanId, startUs: 0 });
    // (trace ids here are not hex: no sampler values are kept for them)
    const [minute] = aggregateByBucket([root("GET /", SpanKind.SERVER), root("GET /", SpanKind.SERVER), root("cron", SpanKind.INTERNAL), root("child", SpanKind.SERVER, "p")], [], [], MINUTE_MS).values();
    expect(Object.fromEntries(minute?.roots ?? [])).toEqual({ "api\tGET /": 2, "api\tcron": 1 });
    const again = Aggregate.decode(minute?.encode() ?? new Uint8Array());
    expect(again.roots).toEqual(minute?.roots);
    expect(parseRootKey("api\tGET /a\tb")).toEqual({ service: "api", operation: "GET /a\tb" });
  });

  it("keeps the largest sampler values of an operation's roots, through encoding and merging", () => {
    const a = new Aggregate();
    a.addRoot("api", "GET /", 1, [10, 20, 30, 40]);
    a.addRoot("api", "GET /", 1, [15, 5, 30, 1]);
    const b = new Aggregate();
    b.addRoot("api", "GET /", 2, [1, 1, 99, 1]);
    const merged = Aggregate.decode(a.encode()).merge(b);
    expect(merged.roots.get("api\tGET /")).toBe(4);
    expect(merged.rootHashes.get("api\tGET /")).toEqual([15, 20, 99, 40]);
  });

  it("still reads a bucket stored before roots were counted", () => {
    const a = new Aggregate();
    a.addSpan(span("api", "GET /", 1500));
    a.addEntry("api", 3);
    a.addRoot("api", "GET /", 3);
    const bytes = a.encode();
    // A row of the first layout ends at `folded`: drop the appended roots section (one entry).
    const rootsSection = 1 + 1 + "api\tGET /".length + 1 + 1;
    const old = Aggregate.decode(bytes.subarray(0, bytes.length - rootsSection));
    expect(old.entries.get("api")).toBe(3);
    expect(old.roots.size).toBe(0);
    expect(old.operations.get("api\tGET /\t2")?.calls).toBe(1);
  });

  it("folds root operations past the cap, the total kept", () => {
    const a = new Aggregate();
    for (let i = 0; i < MAX_OPERATIONS + 5; i++) a.addRoot("api", `GET /${i}`);
    expect(a.roots.size).toBe(MAX_OPERATIONS + 1);
    expect(a.roots.get(`api\t${OTHER_OPERATIONS}`)).toBe(5);
  });
});
