/**
 * The prefilter is only useful if it is never wrong: over HotROD traces and hundreds of random
 * searches built from their own spans, a `no` must never hide a matching trace and a `yes` must
 * always be a matching trace (checked against span-match.ts on the decoded spans). And it must be
 * worth having: most traces are decided without reading them.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { beforeAll, describe, expect, it } from "vitest";
import { collectHotrodSpans, mulberry32 } from "../../test/demo/traffic";
import { serviceNameOf, type Trace } from "../model/span";
import { micros, nanosToMicros } from "../model/time";
import { decodeProtobufRequest } from "../otlp/protobuf-decode";
import { attributeString } from "../trace-index/attribute-string";
import { decodeBlockEntries, encodeBlockEntries, traceIndexRecord } from "../trace-index/block-entries";
import { nanos } from "./duration";
import { judge, planQuery, Verdict } from "./prefilter";
import { digestOtlp } from "../trace-index/digest";
import type { IndexedBlock } from "../trace-index/search-entry";
import type { SearchQuery, TagCondition } from "./search-query";
import { spanNanos, traceMatches } from "./span-match";
import { tagCondition } from "./tags";

let traces: Trace[];
let block: IndexedBlock;

beforeAll(() => {
  const { spans } = collectHotrodSpans({ requests: 60, seed: 21 });
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const id = span.spanContext().traceId;
    byTrace.set(id, [...(byTrace.get(id) ?? []), span]);
  }
  const bodies = [...byTrace].map(([id, list]) => ({ id, body: ProtobufTraceSerializer.serializeRequest(list) as Uint8Array }));
  traces = bodies.map(({ id, body }) => ({ traceId: id, ...decodeProtobufRequest(body).batch }));
  const encoded = encodeBlockEntries(bodies.map(({ id, body }) => digestOtlp(id, body)));
  const traceIndex = bodies.map(({ id }) => traceIndexRecord(id, { at: 0, length: 0, innerAt: 0, innerLength: 0 })).join("");
  block = decodeBlockEntries(traceIndex, encoded.operations, encoded.search, encoded.terms, true);
});

function baseQuery(overrides: Partial<SearchQuery> = {}): SearchQuery {
  return { service: "", operation: "", tags: [], startUs: micros(0), endUs: micros(Number.MAX_SAFE_INTEGER), durationMin: null, durationMax: null, limit: 20, ...overrides };
}

/** A search made from one real span (so some trace matches), randomly loosened or perturbed. */
function randomQuery(random: () => number): SearchQuery {
  const trace = traces[Math.floor(random() * traces.length)] as Trace;
  const span = trace.spans[Math.floor(random() * trace.spans.length)];
  if (!span) return baseQuery();
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
  const tags: TagCondition[] = [];
  const attributeSources = [
    span.attributes,
    trace.resources[span.resource]?.attributes ?? [],
    trace.scopes[span.scope]?.attributes ?? [],
    ...span.events.map((e) => e.attributes),
    ...span.links.map((l) => l.attributes),
  ].filter((list) => list.length > 0);
  for (let n = Math.floor(random() * 3); n > 0; n--) {
    const kv = pick(pick(attributeSources) ?? []);
    if (kv) tags.push(tagCondition(kv.key, random() < 0.85 ? attributeString(kv.value) : "not-there"));
  }
  if (random() < 0.2) tags.push(tagCondition("error", random() < 0.5 ? "true" : "false"));
  if (random() < 0.2) tags.push(tagCondition("span.kind", ["server", "client", "internal", "producer"][Math.floor(random() * 4)] ?? ""));
  if (random() < 0.1) tags.push(tagCondition("scope.name", trace.scopes[span.scope]?.name ?? ""));
  const length = spanNanos(span);
  const start = nanosToMicros(span.startTimeUnixNano);
  return baseQuery({
    service: random() < 0.6 ? serviceNameOf(trace.resources[span.resource]) : "",
    operation: random() < 0.4 ? span.name : "",
    tags,
    startUs: micros(random() < 0.3 ? start - Math.floor(random() * 2e6) : 0),
    endUs: micros(random() < 0.3 ? start + Math.floor(random() * 2e6) : Number.MAX_SAFE_INTEGER),
    durationMin: random() < 0.3 ? nanos(Math.floor(length * (0.5 + random()))) : null,
    durationMax: random() < 0.2 ? nanos(Math.floor(length * (0.8 + random()))) : null,
  });
}

describe("judging traces by their index entry", () => {
  it("never rules out a matching trace, and never rules in one that does not match", () => {
    const random = mulberry32(7);
    let judged = 0;
    let decided = 0;
    for (let q = 0; q < 400; q++) {
      const query = randomQuery(random);
      const plan = planQuery(query);
      block.traces.forEach((entry, i) => {
        const verdict = judge(block, entry, plan);
        const matches = traceMatches(traces[i] as Trace, query);
        if (verdict === Verdict.no) expect(matches, `trace ${i} ruled out of ${JSON.stringify(query)}`).toBe(false);
        if (verdict === Verdict.yes) expect(matches, `trace ${i} ruled into ${JSON.stringify(query)}`).toBe(true);
        judged++;
        if (verdict !== Verdict.maybe) decided++;
      });
    }
    // Worth having: most traces need no read at all.
    expect(decided / judged).toBeGreaterThan(0.8);
  });

  it("rules a trace in, unread, when its entry proves an operation's span is long enough", () => {
    const query = baseQuery({ service: "customer", operation: "SELECT customer", durationMin: nanos(500e6) });
    const plan = planQuery(query);
    const verdicts = block.traces.map((entry) => judge(block, entry, plan));
    expect(verdicts).toContain(Verdict.yes);
    verdicts.forEach((verdict, i) => expect(verdict === Verdict.yes).toBe(traceMatches(traces[i] as Trace, query)));
  });

  it("rules out traces whose filter lacks a tag's value", () => {
    const plan = planQuery(baseQuery({ tags: [tagCondition("customer_id", "no-such-customer")] }));
    const maybes = block.traces.filter((entry) => judge(block, entry, plan) !== Verdict.no).length;
    expect(maybes / block.traces.length).toBeLessThan(0.1);
  });

  it("rules out everything for a condition no span can meet", () => {
    const plan = planQuery(baseQuery({ tags: [tagCondition("error", "perhaps")] }));
    expect(block.traces.every((entry) => judge(block, entry, plan) === Verdict.no)).toBe(true);
  });

  it("cannot rule out a trace indexed without its spans, except by time", () => {
    const summaryOnly: IndexedBlock = { ...block, traces: block.traces.map((t) => ({ ...t, exact: false, bloom: null })) };
    const first = summaryOnly.traces[0];
    if (!first) throw new Error("no traces");
    const plan = planQuery(baseQuery({ service: "nobody", startUs: first.startUs, endUs: micros(first.startUs + first.durationUs) }));
    expect(judge(summaryOnly, first, plan)).toBe(Verdict.maybe);
    const late = planQuery(baseQuery({ startUs: micros(first.startUs + first.durationUs + 1) }));
    expect(judge(summaryOnly, first, late)).toBe(Verdict.no);
  });
});

