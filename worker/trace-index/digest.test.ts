/**
 * The byte-level digest must say exactly what the decoded spans say: same operations with the
 * same durations and errors, same terms. The expectation is computed here from the full decoder's
 * span model with the plain, obvious code (termHash of attributeString for every attribute), so the
 * fast path is checked against an independent slow path.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { collectHotrodSpans } from "../../test/demo/traffic";
import { coverageSpans, encodeProtobuf, makeRequest, makeSpan, sdkBatch } from "../../test/support/otlp-fixtures";
import { serviceNameOf, StatusCode, type KeyValue, type SpanBatch } from "../model/span";
import { durationMicros, nanosToMicros } from "../model/time";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
import { attributeString } from "./attribute-string";
import { digestOtlp } from "./digest";
import type { TraceDigest } from "./search-entry";
import { errorTerm, GENAI_USAGE_TERM, kindTerm, scopeNameTerm, scopeVersionTerm, statusTerm, termHash } from "./terms";

function expectedDigest(batch: SpanBatch) {
  const terms = new Set<number>();
  const add = (attributes: KeyValue[] | undefined) => attributes?.forEach((kv) => terms.add(termHash(kv.key, attributeString(kv.value))));
  const operations = new Map<string, { service: string; name: string; kind: number; minSpanUs: number; maxSpanUs: number; errors: boolean }>();
  let start = Infinity;
  let end = -Infinity;
  for (const span of batch.spans) {
    add(span.attributes);
    // A span that reports token usage marks its trace for token and cost searches.
    if (span.attributes.some((kv) => kv.key === "gen_ai.usage.input_tokens" || kv.key === "gen_ai.usage.output_tokens")) terms.add(GENAI_USAGE_TERM);
    span.events.forEach((e) => add(e.attributes));
    span.links.forEach((l) => add(l.attributes));
    terms.add(kindTerm(span.kind));
    terms.add(statusTerm(span.status.code));
    terms.add(errorTerm(span.status.code === StatusCode.ERROR));
    const scope = batch.scopes[span.scope];
    terms.add(scopeNameTerm(scope?.name ?? ""));
    terms.add(scopeVersionTerm(scope?.version ?? ""));
    add(scope?.attributes);
    const service = serviceNameOf(batch.resources[span.resource]);
    const us = durationMicros(span.startTimeUnixNano, span.endTimeUnixNano);
    const key = `${service}\t${span.name}\t${span.kind}`;
    const op = operations.get(key) ?? { service, name: span.name, kind: span.kind, minSpanUs: us, maxSpanUs: us, errors: false };
    op.minSpanUs = Math.min(op.minSpanUs, us);
    op.maxSpanUs = Math.max(op.maxSpanUs, us);
    op.errors ||= span.status.code === StatusCode.ERROR;
    operations.set(key, op);
    start = Math.min(start, nanosToMicros(span.startTimeUnixNano));
    end = Math.max(end, nanosToMicros(span.endTimeUnixNano));
  }
  const resourceTerms = new Set<number>();
  for (const resource of batch.resources) resource.attributes.forEach((kv) => resourceTerms.add(termHash(kv.key, attributeString(kv.value))));
  return { start, duration: end - start, spanCount: batch.spans.length, operations: [...operations.values()], terms, resourceTerms };
}

function compare(digest: TraceDigest, body: Uint8Array) {
  const expected = expectedDigest(decodeProtobufRequest(body).batch);
  expect(digest.startUs).toBe(expected.start);
  expect(digest.durationUs).toBe(expected.duration);
  expect(digest.spanCount).toBe(expected.spanCount);
  const byKey = (ops: Array<{ service: string; name: string; kind: number }>) => [...ops].sort((a, b) => `${a.service}${a.name}${a.kind}`.localeCompare(`${b.service}${b.name}${b.kind}`));
  expect(byKey(digest.operations)).toEqual(byKey(expected.operations));
  expect(expected.terms.size).toBeGreaterThan(3);
  expect(new Set(digest.spanTerms)).toEqual(expected.terms);
  expect(new Set(digest.resourceTerms.flatMap((t) => [...t]))).toEqual(expected.resourceTerms);
}

describe("digesting a trace from its protobuf bytes", () => {
  it("agrees with the decoded spans on every attribute type the SDK sends", async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await coverageSpans()) as Uint8Array;
    compare(digestOtlp("t", body), body);
  });

  it("agrees on HotROD traffic (many services, events, links, errors)", () => {
    const body = ProtobufTraceSerializer.serializeRequest(collectHotrodSpans({ requests: 30, seed: 11 }).spans) as Uint8Array;
    compare(digestOtlp("t", body), body);
  });

  it("agrees on a default SDK batch", async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await sdkBatch(64)) as Uint8Array;
    compare(digestOtlp("t", body), body);
  });

  it("agrees on what only hand-built requests carry: big and negative ints, nested values, non-ASCII, scope attributes", () => {
    const body = encodeProtobuf(
      makeRequest(
        [
          makeSpan({
            attributes: [
              { key: "big", value: { intValue: "9007199254740993" } },
              { key: "neg", value: { intValue: "-42" } },
              { key: "min", value: { intValue: "-9223372036854775808" } },
              { key: "größe", value: { stringValue: "Ωmega ✓ 😀" } },
              { key: "map", value: { kvlistValue: { values: [{ key: "k", value: { arrayValue: { values: [{ boolValue: true }, { doubleValue: 0.1 }] } } }] } } },
              { key: "bytes", value: { bytesValue: "3q2+7w==" } },
              { key: "empty", value: {} },
            ],
            events: [{ timeUnixNano: "1700000000100000000", name: "e", attributes: [{ key: "ev", value: { doubleValue: 1e21 } }] }],
            links: [{ traceId: "5b8efff798038103d269b633813fc60d", spanId: "00f067aa0ba902b7", attributes: [{ key: "lk", value: { boolValue: false } }] }],
            status: { code: 2, message: "boom" },
            kind: 0,
          }),
          makeSpan({ kind: 3, startTimeUnixNano: "1700000000000000999", endTimeUnixNano: "1700000000000001998" }),
        ],
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }, { key: "host.ip", value: { arrayValue: { values: [{ stringValue: "10.0.0.1" }] } } }] },
          scope: { name: "lib", version: "2.0", attributes: [{ key: "scope.attr", value: { intValue: "7" } }] },
        },
      ),
    );
    const digest = digestOtlp("t", body);
    compare(digest, body);
    expect(digest.operations.map((op) => op.service)).toEqual(["svc", "svc"]);
    expect(digest.operations.find((op) => op.kind === 3)?.maxSpanUs).toBe(0);
    expect(digest.operations.find((op) => op.kind === 0)?.errors).toBe(true);
  });

  it("marks a trace whose span reports token usage, and no other (not for usage in an event)", () => {
    const tokens = (key: string) => encodeProtobuf(makeRequest([makeSpan({ attributes: [{ key, value: { intValue: "12" } }] })]));
    expect(digestOtlp("t", tokens("gen_ai.usage.input_tokens")).spanTerms).toContain(GENAI_USAGE_TERM);
    expect(digestOtlp("t", tokens("gen_ai.usage.output_tokens")).spanTerms).toContain(GENAI_USAGE_TERM);
    expect(digestOtlp("t", tokens("gen_ai.usage.other_tokens")).spanTerms).not.toContain(GENAI_USAGE_TERM);
    const inEvent = encodeProtobuf(
      makeRequest([makeSpan({ events: [{ timeUnixNano: "1700000000100000000", name: "e", attributes: [{ key: "gen_ai.usage.input_tokens", value: { intValue: "1" } }] }] })]),
    );
    expect(digestOtlp("t", inEvent).spanTerms).not.toContain(GENAI_USAGE_TERM);
  });

  it("names a resource without service.name unknown_service, like the span model", () => {
    const body = encodeProtobuf(makeRequest([makeSpan()], { resource: { attributes: [{ key: "host.name", value: { stringValue: "h" } }] } }));
    expect(digestOtlp("t", body).operations[0]?.service).toBe("unknown_service");
  });

  it("measures spans to the µs exactly, across nanosecond carries", () => {
    const body = encodeProtobuf(makeRequest([makeSpan({ startTimeUnixNano: "1700000000000000999", endTimeUnixNano: "1700000000000002000" })]));
    // 1,001 ns → 1 µs, as durationMicros truncates.
    expect(digestOtlp("t", body).operations[0]?.maxSpanUs).toBe(1);
  });
});
