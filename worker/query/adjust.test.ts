import { describe, expect, it } from "vitest";
import { SpanKind, StatusCode, type Resource, type Span, type Trace } from "../model/span";
import { adjustTrace, MAX_CLOCK_SKEW_NS } from "./adjust";

const T0 = 1_700_000_000_000_000_000n; // ns

/** A span from ms offsets; ids are short names padded to 16 hex digits. */
function span(id: string, parent: string, startMs: number, endMs: number, extra: Partial<Span> = {}): Span {
  const ns = (ms: number) => (T0 + BigInt(Math.round(ms * 1e6))).toString();
  return {
    traceId: "c".repeat(32),
    spanId: id.padStart(16, "0"),
    parentSpanId: parent ? parent.padStart(16, "0") : "",
    name: `op ${id}`,
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: ns(startMs),
    endTimeUnixNano: ns(endMs),
    attributes: [],
    events: [],
    links: [],
    status: { code: StatusCode.UNSET },
    resource: 0,
    scope: 0,
    ...extra,
  };
}

const host = (name: string): Resource => ({ attributes: [{ key: "host.name", value: { stringValue: name } }] });

function trace(spans: Span[], resources: Resource[] = [host("a")]): Trace {
  return { traceId: "c".repeat(32), resources, scopes: [{ name: "" }], spans };
}

const ms = (s: Span | undefined, field: "startTimeUnixNano" | "endTimeUnixNano") => Number(BigInt(s?.[field] ?? "0") - T0) / 1e6;

describe("clock skew", () => {
  /*
   *   host a  parent  0 ──────────── 100 ms
   *   host b    child   -50 ── -10   (its clock runs 95 ms behind)
   */
  it("moves a child from another host into its parent, keeping its duration, and says so", () => {
    const adjusted = adjustTrace(trace([span("1", "", 0, 100), span("2", "1", -50, -10, { resource: 1, events: [{ timeUnixNano: (T0 - 30_000_000n).toString(), name: "e", attributes: [] }] })], [host("a"), host("b")]));
    const child = adjusted.trace.spans[1];
    // Centred: (100 − 40) / 2 = 30 ms after the parent's start.
    expect(ms(child, "startTimeUnixNano")).toBe(30);
    expect(ms(child, "endTimeUnixNano")).toBe(70);
    expect(Number(BigInt(child?.events[0]?.timeUnixNano ?? "0") - T0) / 1e6).toBe(50);
    expect(adjusted.spanWarnings.get(child as Span)).toEqual(["This span's timestamps were adjusted by 80ms"]);
    expect(adjusted.warnings).toContain("1 span(s) had their timestamps adjusted for clock skew");
  });

  it("moves the child's same-host descendants by the same amount", () => {
    const adjusted = adjustTrace(trace([span("1", "", 0, 100), span("2", "1", -50, -10, { resource: 1 }), span("3", "2", -45, -40, { resource: 1 })], [host("a"), host("b")]));
    expect(ms(adjusted.trace.spans[2], "startTimeUnixNano")).toBe(35);
  });

  it("leaves spans of one host alone, however they overlap", () => {
    const adjusted = adjustTrace(trace([span("1", "", 0, 100), span("2", "1", -50, -10)]));
    expect(ms(adjusted.trace.spans[1], "startTimeUnixNano")).toBe(-50);
    expect(adjusted.warnings).toEqual([]);
  });

  it("only keeps a longer child from starting before its parent", () => {
    const adjusted = adjustTrace(trace([span("1", "", 0, 10), span("2", "1", -5, 95, { resource: 1 })], [host("a"), host("b")]));
    expect(ms(adjusted.trace.spans[1], "startTimeUnixNano")).toBe(0);
    expect(ms(adjusted.trace.spans[1], "endTimeUnixNano")).toBe(100);
  });

  it("never moves a message consumer: consuming after producing is not skew", () => {
    const adjusted = adjustTrace(
      trace([span("1", "", 0, 5, { kind: SpanKind.PRODUCER }), span("2", "1", 50, 60, { kind: SpanKind.CONSUMER, resource: 1 })], [host("a"), host("b")]),
    );
    expect(ms(adjusted.trace.spans[1], "startTimeUnixNano")).toBe(50);
  });

  it("reports but does not apply a shift beyond the maximum", () => {
    const far = (MAX_CLOCK_SKEW_NS / 1e6) * 2;
    const adjusted = adjustTrace(trace([span("1", "", 0, 100), span("2", "1", -far, -far + 10, { resource: 1 })], [host("a"), host("b")]));
    expect(ms(adjusted.trace.spans[1], "startTimeUnixNano")).toBe(-far);
    expect(adjusted.spanWarnings.get(adjusted.trace.spans[1] as Span)?.[0]).toMatch(/^max clock skew adjustment delta of 10m0s exceeded/);
  });

  it("does not modify the trace it is given", () => {
    const input = trace([span("1", "", 0, 100), span("2", "1", -50, -10, { resource: 1 })], [host("a"), host("b")]);
    const before = JSON.stringify(input);
    adjustTrace(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe("duplicate span ids and orphans", () => {
  it("gives a server span sharing its client's id a new id under the client, and moves the shared id's children to it", () => {
    // Zipkin-style shared span: client 5 and server 5; the server's child 6 points at 5.
    const adjusted = adjustTrace(
      trace([span("1", "", 0, 100), span("5", "1", 10, 90, { kind: SpanKind.CLIENT }), span("5", "1", 20, 80, { kind: SpanKind.SERVER }), span("6", "5", 30, 40)]),
    );
    const [, client, server, child] = adjusted.trace.spans;
    expect(client?.spanId).toBe("0000000000000005");
    expect(server?.spanId).toBe("0000000000000007");
    expect(server?.parentSpanId).toBe("0000000000000005");
    expect(child?.parentSpanId).toBe("0000000000000007");
    expect(adjusted.spanWarnings.get(server as Span)?.[0]).toMatch(/shared with a client span/);
    expect(adjusted.warnings[0]).toMatch(/1 server span/);
  });

  it("flags other spans that share an id, keeping both", () => {
    const adjusted = adjustTrace(trace([span("1", "", 0, 100), span("2", "1", 10, 20), span("2", "1", 30, 40)]));
    expect(adjusted.trace.spans).toHaveLength(3);
    expect(adjusted.spanWarnings.get(adjusted.trace.spans[1] as Span)).toEqual(["duplicate span IDs; skipping clock skew adjustment"]);
    expect(adjusted.spanWarnings.get(adjusted.trace.spans[2] as Span)).toEqual(["duplicate span IDs; skipping clock skew adjustment"]);
    expect(adjusted.warnings).toContain("2 spans have a span ID that another span of this trace also has");
  });

  it("flags spans whose parent never arrived and counts them", () => {
    const adjusted = adjustTrace(trace([span("1", "", 0, 100), span("2", "9", 10, 20), span("3", "2", 11, 12)]));
    expect(adjusted.orphanCount).toBe(1);
    expect(adjusted.spanWarnings.get(adjusted.trace.spans[1] as Span)).toEqual(["parent span ID=0000000000000009 is not in the trace; skipping clock skew adjustment"]);
    expect(adjusted.warnings).toContain("1 span(s) refer to a parent span that is not in the trace");
  });
});
