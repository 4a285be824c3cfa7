/**
 * The service-graph facts the flush takes from stored bytes (digest.ts, in the digest's own pass)
 * agree with the decoded spans, and HotROD's traffic gives the graph its architecture implies.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../test/demo/traffic";
import { encodeProtobuf, makeRequest, makeSpan } from "../../test/support/otlp-builders";
import { PEER_KEYS, serviceCalls, type GraphSpan, type PeerAttributes } from "../model/service-graph";
import { serviceNameOf, SpanKind, StatusCode } from "../model/span";
import { durationMicros, nanosToMicros } from "../model/time";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
import { digestOtlp } from "./digest";

const { spans: sdkSpans } = collectHotrodSpans({ requests: 30, seed: 3 });
const body = ProtobufTraceSerializer.serializeRequest(sdkSpans) as Uint8Array;

/** The same facts from fully decoded spans: an independent reading of the same bytes. */
function fromDecoded(): GraphSpan[] {
  const batch = decodeProtobufRequest(body).batch;
  return batch.spans.map((span) => {
    const peer: PeerAttributes = {};
    for (const [key, field] of PEER_KEYS) {
      const value = span.attributes.find((a) => a.key === key)?.value;
      if (value && "stringValue" in value) peer[field] ??= value.stringValue;
    }
    const caller = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
    return {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      service: serviceNameOf(batch.resources[span.resource]),
      name: span.name,
      kind: span.kind,
      startUs: nanosToMicros(span.startTimeUnixNano),
      durationUs: durationMicros(span.startTimeUnixNano, span.endTimeUnixNano),
      error: span.status.code === StatusCode.ERROR,
      peer: caller && Object.keys(peer).length ? peer : undefined,
      links: span.links.length ? span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })) : undefined,
    };
  });
}

describe("service-graph facts from stored bytes", () => {
  it("match what the full decoder reads, span for span", () => {
    const graph: GraphSpan[] = [];
    digestOtlp("", body, graph);
    const key = (s: GraphSpan) => `${s.traceId}/${s.spanId}`;
    const expected = new Map(fromDecoded().map((s) => [key(s), s]));
    expect(graph).toHaveLength(expected.size);
    for (const span of graph) {
      const want = expected.get(key(span));
      expect({ ...span, traceId: want?.traceId, peer: span.peer && Object.keys(span.peer).length ? span.peer : undefined }).toEqual(want);
    }
  });

  it("give HotROD's architecture: frontend calls customer, driver, route and eta-planner; kafka carries dispatches to notification", () => {
    const graph: GraphSpan[] = [];
    digestOtlp("", body, graph);
    const edges = new Set(serviceCalls(graph).calls.map((c) => `${c.parent} -> ${c.child}${c.async ? " (async)" : ""} [${c.childType}]`));
    for (const edge of [
      "frontend -> customer [service]",
      "frontend -> driver [service]",
      "frontend -> route [service]",
      "customer -> mysql [database]",
      "driver -> redis [database]",
      "frontend -> notification (async) [service]",
    ]) {
      expect(edges, edge).toContain(edge);
    }
    expect([...edges].every((e) => !e.startsWith("notification -> frontend"))).toBe(true);
  });

  it("name a callee by the newer convention when a span carries both, in either order", () => {
    const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
    for (const attributes of [
      [str("db.name", "old"), str("db.system", "mysql"), str("db.namespace", "new"), str("net.peer.name", "old-host"), str("server.address", "new-host")],
      [str("server.address", "new-host"), str("db.namespace", "new"), str("db.system", "mysql"), str("net.peer.name", "old-host"), str("db.name", "old")],
    ]) {
      const graph: GraphSpan[] = [];
      digestOtlp("", encodeProtobuf(makeRequest([makeSpan({ kind: 3, attributes })])), graph);
      expect(graph[0]?.peer).toEqual({ dbSystem: "mysql", dbName: "new", serverAddress: "new-host" });
    }
  });
});
