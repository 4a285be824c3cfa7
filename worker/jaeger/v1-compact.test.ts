import { describe, expect, it } from "vitest";
import { syntheticOtlp, SYNTHETIC_TRACE_ID } from "../../web/src/lib/trace/model/testing/synthetic";
import { SpanKind, StatusCode, type KeyValue, type Span, type Trace } from "../model/span";
import { decodeJsonRequest } from "../otlp/json-decode";
import { adjustTrace } from "../query/adjust";
import { assembleTrace } from "../query/assemble";
import { compactTrace, expandTrace, isCompactTrace } from "./v1-compact";
import { toJaegerTrace } from "./v1-trace";
import type { JaegerTrace } from "./v1-types";

/** Over the wire and back, as the app gets it. */
const roundTrip = (trace: JaegerTrace): JaegerTrace => {
  const parsed: unknown = JSON.parse(JSON.stringify(compactTrace(trace)));
  if (!isCompactTrace(parsed)) throw new Error("not a compact trace");
  return expandTrace(parsed);
};

function jaeger(trace: Trace): JaegerTrace {
  const adjusted = adjustTrace(trace);
  return toJaegerTrace(adjusted.trace, adjusted);
}

function synthetic(spans: number): Trace {
  const otlp = syntheticOtlp({ spans, seed: 7 });
  const batches = otlp.resourceSpans.map((resourceSpans) => decodeJsonRequest(JSON.stringify({ resourceSpans: [resourceSpans] })).batch);
  return assembleTrace(SYNTHETIC_TRACE_ID.padStart(32, "0"), batches);
}

const T0 = 1_700_000_000_000_000_000n;
const TRACE = "0000000000000000" + "c".repeat(16);
const kv = (key: string, value: KeyValue["value"]): KeyValue => ({ key, value });

function span(id: string, parent: string, startMs: number, extra: Partial<Span> = {}): Span {
  const ns = (ms: number) => (T0 + BigInt(Math.round(ms * 1e6))).toString();
  return {
    traceId: TRACE,
    spanId: id.padStart(16, "0"),
    parentSpanId: parent ? parent.padStart(16, "0") : "",
    name: `op ${id}`,
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: ns(startMs),
    endTimeUnixNano: ns(startMs + 5),
    attributes: [],
    events: [],
    links: [],
    status: { code: StatusCode.UNSET },
    resource: 0,
    scope: 0,
    ...extra,
  };
}

/*
 * Odd cases in one trace, on two hosts:
 *
 *   1 server "GET /ü" (host a)                      ← a link to another trace, an event, an error
 *   ├── 2 client                                    ← shares its id with 2' (a Zipkin shared span)
 *   │   └── 2' server (host b, clock 50 ms behind)  ← renamed and moved: warnings on both counts
 *   ├── 3 escapes in its name, every attribute type
 *   └── 9 whose parent 8 never arrived              ← orphan
 */
function oddTrace(): Trace {
  return {
    traceId: TRACE,
    resources: [
      { attributes: [kv("service.name", { stringValue: "front" }), kv("host.name", { stringValue: "a" })] },
      { attributes: [kv("service.name", { stringValue: "back\u2028end" }), kv("host.name", { stringValue: "b" }), kv("tags", { arrayValue: { values: [{ stringValue: "x" }, { intValue: "3" }] } })] },
    ],
    scopes: [{ name: "lib", version: "1.0" }],
    spans: [
      span("1", "", 0, {
        name: "GET /ü",
        kind: SpanKind.SERVER,
        status: { code: StatusCode.ERROR, message: "boom \u0000" },
        links: [{ traceId: "d".repeat(32), spanId: "e".repeat(16), attributes: [] }, { traceId: TRACE, spanId: "f".repeat(16), attributes: [] }],
        events: [
          { timeUnixNano: (T0 + 1_000_000n).toString(), name: "exception", attributes: [kv("exception.message", { stringValue: "💥" }), kv("exception.escaped", { boolValue: true })] },
          { timeUnixNano: (T0 + 2_000_000n).toString(), name: "bare", attributes: [] },
        ],
        endTimeUnixNano: (T0 + 100_000_000n).toString(),
        traceState: "a=b",
        flags: 0x301,
      }),
      span("2", "1", 10, { kind: SpanKind.CLIENT, endTimeUnixNano: (T0 + 60_000_000n).toString() }),
      span("2", "2", -40, { kind: SpanKind.SERVER, resource: 1 }),
      span("3", "1", 20, {
        name: 'quote " tab \t newline \n',
        attributes: [
          kv("s", { stringValue: "</script>" }),
          kv("b", { boolValue: false }),
          kv("i", { intValue: "-9007199254740993" }),
          kv("d", { doubleValue: 0.1 }),
          kv("nan", { doubleValue: Number.NaN }),
          kv("bytes", { bytesValue: "AAEC/w==" }),
          kv("map", { kvlistValue: { values: [kv("k", { stringValue: "v" })] } }),
          kv("empty", {}),
          kv("", { stringValue: "no key" }),
        ],
      }),
      span("9", "8", 30),
    ],
  };
}

describe("the compact trace encoding", () => {
  it("comes back as the same Jaeger JSON, byte for byte, for a 10,000-span trace — in under a third of the bytes", () => {
    const trace = jaeger(synthetic(10_000));
    const full = JSON.stringify(trace);
    expect(JSON.stringify(roundTrip(trace))).toBe(full);
    expect(JSON.stringify(compactTrace(trace)).length).toBeLessThan(full.length / 3);
  });

  it("comes back the same for odd traces: shared and foreign ids, warnings, orphans, logs, escapes, every tag type", () => {
    const odd = oddTrace();
    // The case is as odd as meant: renamed, moved and orphaned spans with their warnings.
    expect(adjustTrace(odd).warnings).toHaveLength(3);
    for (const trace of [jaeger(odd), toJaegerTrace(odd)]) {
      const back = roundTrip(trace);
      expect(JSON.stringify(back)).toBe(JSON.stringify(trace));
      // Equal objects too, not just equal text: what the view reads is what Jaeger's JSON parses into.
      expect(back).toEqual(JSON.parse(JSON.stringify(trace)));
    }
  });

  it("is told apart from a Jaeger trace", () => {
    const trace = jaeger(oddTrace());
    expect(isCompactTrace(trace)).toBe(false);
    expect(isCompactTrace(JSON.parse(JSON.stringify(compactTrace(trace))))).toBe(true);
    expect([null, undefined, "compact/1", { format: "compact/2" }].map(isCompactTrace)).toEqual([false, false, false, false]);
  });
});
