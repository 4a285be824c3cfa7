import { describe, expect, it } from "vitest";
import { SpanKind } from "../model/span";
import { digestTrace } from "./digest";
import { DIGEST_TOKEN_BUDGET, estimateTokens, renderMarkdown } from "./markdown";
import { hotrodAsOneTrace, hotrodTraces, makeTrace, TRACE_ID, type SpanSpec } from "./testing";

const ORIGIN = "https://edgetrace.test";

function digestOf(specs: SpanSpec[]) {
  const digest = digestTrace(makeTrace(specs), ORIGIN);
  return { digest, markdown: renderMarkdown(digest) };
}

describe("the digest of HotROD traces", () => {
  // Request #3 asks for the slow customer, #7 hits the deadlock (test/demo/traffic.ts); the first
  // successful request with error spans is one whose redis GetDriver calls timed out and were retried.
  const { requests, traces } = hotrodTraces(40);
  const digestFor = (traceId: string) => {
    const trace = traces.get(traceId);
    if (!trace) throw new Error(`no trace ${traceId}`);
    const digest = digestTrace(trace, ORIGIN);
    return { digest, markdown: renderMarkdown(digest) };
  };

  it("names the slow mysql query as the one slow dependency, with its lock wait", () => {
    const slow = requests[2];
    expect(slow?.slow).toBe(true);
    const { digest, markdown } = digestFor(slow?.traceId ?? "");
    const pattern = digest.patterns.find((p) => p.kind === "slow-dependency");
    expect(pattern?.title).toMatch(/^One slow dependency: mysql holds \d+% of the critical path$/);
    expect(pattern?.evidence).toContain("SELECT customer (customer)");
    expect(pattern?.evidence).toContain("SELECT * FROM customer WHERE customer_id=?");
    expect(pattern?.evidence).toMatch(/"Waiting for lock behind \d transactions"/);
    // The query is the longest step of the critical path, by far.
    const longest = [...digest.criticalPath.steps].sort((a, b) => b.onPathMs - a.onPathMs)[0];
    expect(longest?.operation).toBe("SELECT customer");
    expect(longest?.onPathMs).toBeGreaterThan(400);
    expect(markdown).toContain("One slow dependency: mysql");
  });

  it("reports the deadlock where it began, with its exception, and the 500s it caused", () => {
    const failed = requests[6];
    expect(failed?.failed).toBe(true);
    const { digest, markdown } = digestFor(failed?.traceId ?? "");
    const [origin, ...propagated] = digest.errors.groups;
    expect(origin).toMatchObject({ service: "customer", operation: "SELECT customer", origin: true });
    expect(origin?.message).toBe("Deadlock found when trying to get lock; try restarting transaction");
    expect(origin?.exception?.type).toBe("ER_LOCK_DEADLOCK");
    expect(origin?.exception?.stacktrace.join("\n")).toContain("CustomerRepository.get");
    expect(origin?.url).toBe(`${ORIGIN}/trace/${failed?.traceId}?span=${origin?.spanId}`);
    // Every failed span is in some group: the root's HTTP 500 too, marked as propagated.
    expect(digest.errors.groups.reduce((n, g) => n + g.count, 0)).toBe(digest.summary.errorSpanCount);
    expect(propagated.map((g) => `${g.service}: ${g.operation}: ${g.message}`)).toContain("frontend: GET /dispatch: HTTP 500");
    expect(propagated.every((g) => !g.origin)).toBe(true);
    expect(markdown).toContain("**customer: SELECT customer** (origin): Deadlock found when trying to get lock");
    expect(markdown).toContain("exception: ER_LOCK_DEADLOCK");
  });

  it("names the redis retries with the timeout that caused them", () => {
    const retried = requests.find((r) => r.hasErrors && !r.failed && digestFor(r.traceId).digest.errors.groups.some((g) => g.operation === "GetDriver"));
    expect(retried, "40 requests hold one whose GetDriver timed out").toBeDefined();
    const { digest, markdown } = digestFor(retried?.traceId ?? "");
    const pattern = digest.patterns.find((p) => (p.kind === "retries" || p.kind === "retry-storm") && p.title.includes("GetDriver"));
    expect(pattern?.title).toMatch(/^(Retries|Retry storm): GetDriver \(driver\) retried \d+ times?$/);
    expect(pattern?.evidence).toContain("RedisTimeoutError: redis timeout");
    expect(pattern?.evidence).toMatch(/the caller logged \d+ retry events?/);
    expect(markdown).toContain("GetDriver (driver) retried");
    // The GetDriver calls, collapsed with their count and range.
    const getDriver = digest.repeated.calls.find((c) => c.operation === "GetDriver");
    expect(getDriver?.count).toBeGreaterThanOrEqual(11);
    expect(markdown).toMatch(/- GetDriver \(driver\) ×1\d, \d+\.\d–\d+(\.\d)? ms, \d+ ms in all, one after another, \d failed under driver: driver\.DriverService\/FindNearest/);
  });

  it("calls the GetDriver loop an N+1 and the route calls a fan-out", () => {
    const { digest } = digestFor(requests[0]?.traceId ?? "");
    const kinds = digest.patterns.map((p) => `${p.kind}: ${p.title}`);
    expect(kinds.some((k) => /^n-plus-one: N\+1 calls: driver\.DriverService\/FindNearest \(driver\) calls GetDriver 1\d× one after another$/.test(k))).toBe(true);
    expect(kinds).toContain("fan-out: Fan-out: GET /dispatch (frontend) makes 10 GET /route calls, up to 3 at once");
  });

  it("claims no timeout cascade, retry or error in a trace that has none", () => {
    const clean = requests.find((r) => !r.hasErrors && !r.slow);
    const { digest, markdown } = digestFor(clean?.traceId ?? "");
    expect(digest.errors.groups).toEqual([]);
    expect(digest.patterns.map((p) => p.kind).filter((k) => k === "retries" || k === "retry-storm" || k === "timeout-cascade")).toEqual([]);
    expect(markdown).toContain("No span failed.");
  });
});

describe("critical path and self times", () => {
  /**
   *   0    10   20   30   40   50   60   70   80   90   100 ms
   *   root ───────────────────────────────────────────────     on path 0–30, 70–75, 90–100; self 25
   *     a   ──────────────                                     [10, 40] finished before b, off the path
   *     b             ────────────────────                     [30, 70]
   *       c                ────────                            [40, 55]
   *     d                                   ───────            [75, 90]
   */
  const { digest, markdown } = digestOf([
    { id: "root", service: "api", start: 0, duration: 100, kind: SpanKind.SERVER },
    { id: "a", parent: "root", service: "api", start: 10, duration: 30 },
    { id: "b", parent: "root", service: "db", start: 30, duration: 40, kind: SpanKind.CLIENT },
    { id: "c", parent: "b", service: "db", start: 40, duration: 15 },
    { id: "d", parent: "root", service: "cache", start: 75, duration: 15 },
  ]);

  it("lists the path's spans in time order with on-path, self and whole durations", () => {
    expect(digest.criticalPath.steps.map((s) => [s.operation, s.atMs, s.onPathMs, s.selfMs, s.durationMs])).toEqual([
      ["root", 0, 45, 25, 100],
      ["b", 30, 25, 25, 40],
      ["c", 40, 15, 15, 15],
      ["d", 75, 15, 15, 15],
    ]);
    expect(digest.criticalPath.totalMs).toBe(100);
    expect(markdown).toContain("- +30 ms db: b (client): on path 25 ms, self 25 ms, duration 40 ms");
  });

  it("links the trace and each span back to the trace view", () => {
    expect(digest.url).toBe(`${ORIGIN}/trace/${TRACE_ID}`);
    expect(markdown).toContain(`Open in edgetrace: ${ORIGIN}/trace/${TRACE_ID}`);
    const step = digest.criticalPath.steps[1];
    expect(markdown).toContain(`](${ORIGIN}/trace/${TRACE_ID}?span=${step?.spanId})`);
  });
});

describe("patterns from hand-built traces", () => {
  /**
   * gateway  GET /checkout ─ 504 after 3 s
   *   cart   POST /cart     ─ deadline exceeded after 2.9 s
   *     db   SELECT cart    ─ "query timed out" after 2.8 s
   */
  it("follows a timeout from the query up through its callers", () => {
    const { digest } = digestOf([
      { id: "gw", service: "gateway", name: "GET /checkout", kind: SpanKind.SERVER, start: 0, duration: 3000, error: "HTTP 504", attributes: { "http.response.status_code": 504 } },
      { id: "cart", parent: "gw", service: "cart", name: "POST /cart", kind: SpanKind.SERVER, start: 20, duration: 2900, error: "context deadline exceeded" },
      { id: "q", parent: "cart", service: "cart", name: "SELECT cart", kind: SpanKind.CLIENT, start: 40, duration: 2800, error: "query timed out", attributes: { "db.system": "postgresql" } },
    ]);
    const cascade = digest.patterns.find((p) => p.kind === "timeout-cascade");
    expect(cascade?.title).toBe("Timeout cascade: SELECT cart (cart) timed out and 2 callers above it timed out too");
    expect(cascade?.evidence).toBe(
      "SELECT cart (cart) after 2.80 s: query timed out → POST /cart (cart) after 2.90 s: context deadline exceeded → GET /checkout (gateway) after 3.00 s: HTTP 504 (up to GET /checkout (gateway)).",
    );
    expect(digest.errors.groups.filter((g) => g.origin).map((g) => g.operation)).toEqual(["SELECT cart"]);
  });

  it("does not call one timeout a cascade", () => {
    const { digest } = digestOf([
      { id: "gw", service: "gateway", start: 0, duration: 100 },
      { id: "q", parent: "gw", service: "db", start: 10, duration: 30, error: "timeout" },
    ]);
    expect(digest.patterns.filter((p) => p.kind === "timeout-cascade")).toEqual([]);
  });

  it("tells a retried call from a loop over items", () => {
    // Three attempts of the same statement, the first two failing: a retry storm.
    const sameCall = { "db.statement": "GET session:1" };
    const { digest } = digestOf([
      { id: "api", service: "api", start: 0, duration: 100 },
      { id: "t1", parent: "api", service: "api", name: "GET", kind: SpanKind.CLIENT, start: 1, duration: 20, error: "timeout", attributes: sameCall },
      { id: "t2", parent: "api", service: "api", name: "GET", kind: SpanKind.CLIENT, start: 22, duration: 20, error: "timeout", attributes: sameCall },
      { id: "t3", parent: "api", service: "api", name: "GET", kind: SpanKind.CLIENT, start: 44, duration: 5, attributes: sameCall },
    ]);
    expect(digest.patterns.map((p) => p.title)).toContain("Retry storm: GET (api) retried 2 times");
    // Different items, one failing: no retry.
    const items = digestOf([
      { id: "api", service: "api", start: 0, duration: 100 },
      { id: "i1", parent: "api", service: "api", name: "GET", start: 1, duration: 20, error: "not found", attributes: { "db.statement": "GET item:1" } },
      { id: "i2", parent: "api", service: "api", name: "GET", start: 22, duration: 20, attributes: { "db.statement": "GET item:2" } },
    ]);
    expect(items.digest.patterns.filter((p) => p.kind === "retries" || p.kind === "retry-storm")).toEqual([]);
  });
});

describe("the token budget", () => {
  /** 10,000 spans built to be as wordy as possible: every name distinct, 1,999 distinct failures with long stacks. */
  function wordyTrace() {
    const specs: SpanSpec[] = [{ id: "root", service: "gateway", name: "GET /everything", start: 0, duration: 60_000 }];
    for (let i = 1; i < 10_000; i++) {
      const parent = i < 50 ? "root" : `s${Math.floor(i / 7)}`;
      const failing = i % 5 === 0;
      specs.push({
        id: `s${i}`,
        parent: i < 7 ? "root" : parent === "s0" ? "root" : parent,
        service: `service-${i % 40}-with-a-rather-long-name`,
        name: `operation number ${i} doing something specific to item ${i * 7919} ${"and more words ".repeat(6)}`,
        start: (i % 600) * 10,
        duration: 5 + (i % 97),
        ...(failing ? { error: `failure ${i}: ${"something went badly wrong in a way worth a long message ".repeat(8)}` } : {}),
        events: failing
          ? [{ name: "exception", attributes: { "exception.type": `Error${i}`, "exception.message": `boom ${i} ${"x".repeat(500)}`, "exception.stacktrace": Array.from({ length: 30 }, (_, f) => `    at frame${f} (/app/src/very/deep/module/path/file${f}.ts:${i}:${f})`).join("\n") } }]
          : [],
      });
    }
    return makeTrace(specs);
  }

  it("keeps a wordy 10,000-span trace's digest under 8,000 tokens (characters ÷ 4)", () => {
    const trace = wordyTrace();
    expect(trace.spans).toHaveLength(10_000);
    const digest = digestTrace(trace, ORIGIN);
    const markdown = renderMarkdown(digest);
    expect(estimateTokens(markdown)).toBeLessThanOrEqual(8_000);
    expect(estimateTokens(markdown)).toBeLessThanOrEqual(DIGEST_TOKEN_BUDGET);
    // Still a digest, not a truncated dump: every section is there and says what it left out.
    for (const heading of ["## Patterns", "## Errors (1,999 spans failed)", "## Critical path"]) expect(markdown).toContain(heading);
    expect(markdown).toMatch(/… and [\d,]+ other kinds of failure: see the trace\./);
    // The JSON form is bounded by the same caps.
    expect(estimateTokens(JSON.stringify(digest))).toBeLessThanOrEqual(20_000);
  });

  it("keeps 10,000 HotROD spans under one root within budget, outline included", () => {
    const trace = hotrodAsOneTrace(10_000);
    expect(trace.spans).toHaveLength(10_000);
    const markdown = renderMarkdown(digestTrace(trace, ORIGIN));
    expect(estimateTokens(markdown)).toBeLessThanOrEqual(DIGEST_TOKEN_BUDGET);
    expect(markdown).toContain("## Outline");
  });

  it("cuts a digest that no detail level fits, and says so", () => {
    const digest = digestTrace(wordyTrace(), ORIGIN);
    const markdown = renderMarkdown(digest, 300);
    expect(markdown.length).toBeLessThanOrEqual(1_200);
    expect(markdown).toContain(`… (digest cut to fit 300 tokens; the whole trace: ${ORIGIN}/trace/${TRACE_ID})`);
  });
});
