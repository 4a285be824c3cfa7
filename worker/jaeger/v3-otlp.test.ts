import { describe, expect, it } from "vitest";
import { SpanKind, StatusCode, type Span, type Trace } from "../model/span";
import { toOtlpResourceSpans, WARNINGS_ATTRIBUTE } from "./v3-otlp";

function span(id: string, resource: number, scope: number, parent = ""): Span {
  return {
    traceId: "f".repeat(32),
    spanId: id.repeat(16),
    parentSpanId: parent,
    name: `op ${id}`,
    kind: SpanKind.SERVER,
    startTimeUnixNano: "1700000000000000001",
    endTimeUnixNano: "1700000000000000002",
    attributes: [{ key: "k", value: { stringValue: "v" } }],
    events: [],
    links: [],
    status: { code: StatusCode.OK },
    resource,
    scope,
  };
}

const trace: Trace = {
  traceId: "f".repeat(32),
  resources: [
    { attributes: [{ key: "service.name", value: { stringValue: "a" } }], schemaUrl: "https://schemas/1" },
    { attributes: [{ key: "service.name", value: { stringValue: "b" } }] },
  ],
  scopes: [{ name: "s1", version: "1" }, { name: "s2" }],
  spans: [span("1", 0, 0), span("2", 1, 1, "1".repeat(16)), span("3", 0, 1, "1".repeat(16)), span("4", 0, 0, "3".repeat(16))],
};

describe("OTLP JSON for the v3 API", () => {
  it("nests spans under their resource and scope, in first-seen order, without our index fields", () => {
    const out = toOtlpResourceSpans(trace);
    expect(out.map((rs) => rs.resource.attributes[0]?.value)).toEqual([{ stringValue: "a" }, { stringValue: "b" }]);
    expect(out[0]?.schemaUrl).toBe("https://schemas/1");
    expect(out[0]?.scopeSpans.map((ss) => [ss.scope.name, ss.spans.map((s) => s.name)])).toEqual([
      ["s1", ["op 1", "op 4"]],
      ["s2", ["op 3"]],
    ]);
    const first = out[0]?.scopeSpans[0]?.spans[0];
    expect(first).not.toHaveProperty("resource");
    expect(first).not.toHaveProperty("scope");
    expect(first).not.toHaveProperty("parentSpanId");
    expect(out[1]?.scopeSpans[0]?.spans[0]?.parentSpanId).toBe("1".repeat(16));
  });

  it("puts a span's adjustment warnings in Jaeger's warnings attribute", () => {
    const warned = trace.spans[1] as Span;
    const out = toOtlpResourceSpans(trace, { spanWarnings: new Map([[warned, ["w1", "w2"]]]), warnings: ["w"] });
    const attributes = out[1]?.scopeSpans[0]?.spans[0]?.attributes;
    expect(attributes).toEqual([
      { key: "k", value: { stringValue: "v" } },
      { key: WARNINGS_ATTRIBUTE, value: { arrayValue: { values: [{ stringValue: "w1" }, { stringValue: "w2" }] } } },
    ]);
    // The trace's own span objects are not modified.
    expect(warned.attributes).toHaveLength(1);
  });
});
