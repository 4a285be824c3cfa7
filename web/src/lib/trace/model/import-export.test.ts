import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { beforeAll, describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../../../../test/demo/traffic";
import type { JaegerTrace } from "../../../../../worker/jaeger/v1-types";
import { criticalPath } from "$model/critical-path";
import { downloadName, jaegerFileText, jaegerToOtlp, otlpFileText } from "./export";
import { parseTraceFile, TraceFileError } from "./import";
import { normalizeTrace } from "./normalize";
import { makeTrace } from "./testing/builders";

/** Real OTel SDK spans of two HotROD requests, as OTLP/JSON text (what a collector would write). */
let hotrodOtlp = "";
let dispatchTraceId = "";
beforeAll(() => {
  const { spans, summary } = collectHotrodSpans({ requests: 2, seed: 11 });
  hotrodOtlp = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));
  dispatchTraceId = summary.requests[0]?.traceId ?? "";
});

/** Tags compared order-free, processes by service rather than by process id. */
function comparable(trace: JaegerTrace) {
  return trace.spans
    .map((s) => ({
      spanID: s.spanID,
      operationName: s.operationName,
      startTime: s.startTime,
      duration: s.duration,
      references: s.references,
      service: trace.processes[s.processID]?.serviceName,
      tags: [...s.tags].sort((x, y) => x.key.localeCompare(y.key)),
      logs: s.logs,
    }))
    .sort((a, b) => a.spanID.localeCompare(b.spanID));
}

describe("parseTraceFile", () => {
  it("reads OTLP/JSON from the real SDK into one Jaeger trace per trace id", () => {
    const file = parseTraceFile(hotrodOtlp);
    expect(file.format).toBe("otlp");
    expect(file.traces.length).toBeGreaterThanOrEqual(2);
    const dispatch = file.traces.find((t) => t.traceID === dispatchTraceId);
    const view = normalizeTrace(dispatch as JaegerTrace);
    expect(view.spans[0]?.operation).toBe("GET /dispatch");
    expect(view.spans[0]?.service).toBe("frontend");
    expect(view.orphanCount).toBe(0);
    expect(view.services.map((s) => s.name)).toContain("driver");
    expect(criticalPath(view).reduce((t, s) => t + s.end - s.start, 0)).toBe(view.spans[0]?.duration);
  });

  it("reads the v3 API's {result:{resourceSpans}} and the Collector's JSON Lines", () => {
    expect(parseTraceFile(JSON.stringify({ result: JSON.parse(hotrodOtlp) })).format).toBe("otlp");
    const lines = `${hotrodOtlp}\n${hotrodOtlp}\n`;
    expect(parseTraceFile(lines).traces.length).toBe(parseTraceFile(hotrodOtlp).traces.length);
  });

  it("reads Jaeger's {data:[…]} envelope, a bare trace and an array of traces", () => {
    const trace = makeTrace([{ id: "a", duration: 5 }]);
    expect(parseTraceFile(JSON.stringify({ data: [trace], total: 1, limit: 0, offset: 0, errors: null })).traces).toEqual([trace]);
    expect(parseTraceFile(JSON.stringify(trace))).toMatchObject({ format: "jaeger", traces: [trace] });
    expect(parseTraceFile(JSON.stringify([trace, trace])).traces).toHaveLength(2);
  });

  it("fills in what hand-edited Jaeger files leave out, including inline processes", () => {
    const file = parseTraceFile(JSON.stringify({ traceID: "t", spans: [{ spanID: "a", operationName: "x", startTime: 5, duration: 1, process: { serviceName: "old-client", tags: [] } }] }));
    const view = normalizeTrace(file.traces[0] as JaegerTrace);
    expect(view.spans[0]).toMatchObject({ service: "old-client", operation: "x", tags: [], logs: [] });
  });

  it("explains what is wrong with files it cannot show", () => {
    expect(() => parseTraceFile("not json")).toThrow(TraceFileError);
    expect(() => parseTraceFile('{"hello": 1}')).toThrow(/not a trace file we know/);
    expect(() => parseTraceFile('{"data": null, "errors": [{"code": 404, "msg": "trace not found"}]}')).toThrow(/Jaeger API error/);
    expect(() => parseTraceFile('{"resourceSpans": []}')).toThrow(/holds no spans/);
  });
});

describe("export", () => {
  it("downloads Jaeger JSON that reads back as the same trace", () => {
    const trace = parseTraceFile(hotrodOtlp).traces[0] as JaegerTrace;
    expect(parseTraceFile(jaegerFileText(trace)).traces[0]).toEqual(trace);
    expect(downloadName("abc", "otlp")).toBe("trace-abc-otlp.json");
  });

  it("converts Jaeger JSON to OTLP/JSON that reads back to the same Jaeger trace", () => {
    for (const trace of parseTraceFile(hotrodOtlp).traces) {
      const again = parseTraceFile(otlpFileText(jaegerToOtlp(trace))).traces[0] as JaegerTrace;
      expect(comparable(again)).toEqual(comparable(trace));
    }
  });

  it("turns span.kind, status and scope tags back into OTLP fields", () => {
    const trace = makeTrace([{ id: "00000000000000aa", kind: "client", error: true, tags: { "otel.status_description": "boom", "otel.scope.name": "http", "otel.scope.version": "1.0", n: 3 } }], { traceId: "d269b633813fc60c" });
    const [resource] = jaegerToOtlp(trace).resourceSpans;
    const scopeSpans = resource?.scopeSpans[0];
    expect(scopeSpans?.scope).toEqual({ name: "http", version: "1.0" });
    expect(scopeSpans?.spans[0]).toMatchObject({
      traceId: "0000000000000000d269b633813fc60c",
      kind: 3,
      status: { code: 2, message: "boom" },
      attributes: [{ key: "n", value: { intValue: "3" } }],
    });
    expect(resource?.resource.attributes[0]).toEqual({ key: "service.name", value: { stringValue: "svc" } });
  });
});
