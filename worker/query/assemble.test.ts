import { describe, expect, it } from "vitest";
import { SpanKind, StatusCode, type Span, type SpanBatch } from "../model/span";
import { assembleTrace } from "./assemble";

const TRACE = "d".repeat(32);

function batch(spans: Array<Partial<Span>>, service = "svc"): SpanBatch {
  return {
    resources: [{ attributes: [{ key: "service.name", value: { stringValue: service } }] }],
    scopes: [{ name: "lib" }],
    spans: spans.map((s) => ({
      traceId: TRACE,
      spanId: "1".repeat(16),
      parentSpanId: "",
      name: "op",
      kind: SpanKind.SERVER,
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000001000000000",
      attributes: [],
      events: [],
      links: [],
      status: { code: StatusCode.UNSET },
      resource: 0,
      scope: 0,
      ...s,
    })),
  };
}

describe("assembling a trace from its copies", () => {
  it("keeps one copy of a span sent twice (a retry, or a copy repeated in a later block)", () => {
    const trace = assembleTrace(TRACE, [batch([{}, { spanId: "2".repeat(16) }]), batch([{}])]);
    expect(trace.spans.map((s) => s.spanId)).toEqual(["1".repeat(16), "2".repeat(16)]);
    expect(trace.resources).toHaveLength(1);
  });

  it("keeps both of two different spans that share an id", () => {
    const trace = assembleTrace(TRACE, [batch([{ kind: SpanKind.CLIENT }]), batch([{ kind: SpanKind.SERVER }], "other")]);
    expect(trace.spans.map((s) => s.kind)).toEqual([SpanKind.CLIENT, SpanKind.SERVER]);
    expect(trace.resources).toHaveLength(2);
  });

  it("drops spans of other traces", () => {
    expect(assembleTrace(TRACE, [batch([{ traceId: "e".repeat(32) }])]).spans).toEqual([]);
  });
});
