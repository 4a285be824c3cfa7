/**
 * Broken propagation from ingest to answer, inside workerd: services export their own spans
 * through the Worker, the trace shard flushes them on a driven clock (recording signs only for
 * traces that show one), and GET /api/broken-traces and /api/traces/{id}/propagation tie the
 * fragments together and name the service that dropped the context.
 *
 *   healthy (×6):  shop SERVER POST /checkout
 *                  └ shop CLIENT POST /pay ─ payments SERVER POST /pay
 *                                            └ payments CLIENT POST /ledger ─ ledger SERVER POST /ledger
 *
 *   broken (×2):   shop SERVER ─ shop CLIENT ─ payments SERVER
 *                                              └ payments CLIENT POST /ledger   ← sent without traceparent
 *                  ledger SERVER POST /ledger  (a trace of its own, inside payments' call)
 *
 *   lost span:     shop SERVER POST /checkout   (its CLIENT span never exported)
 *                  ✗ └ payments SERVER POST /pay  (its parent never arrived)
 */
import { describe, expect, it } from "vitest";
import { makeSpan, type JsonObject } from "../support/otlp-builders";
import { call, FUTURE, getJson, ingest, requestOf, settle, shard, shardSql, signUp, TestClock, traceIdOf, useClock, type Tenant } from "./helpers";

const MINUTE = 60_000;
const T0 = FUTURE + 5 * MINUTE;

let spanIds = 0x9000;
const nextSpanId = () => (spanIds++).toString(16).padStart(16, "0");
const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

function span(traceId: string, name: string, kind: number, startMs: number, durationMs: number, extra: JsonObject = {}): JsonObject {
  return makeSpan({ traceId, spanId: nextSpanId(), name, kind, startTimeUnixNano: ns(startMs), endTimeUnixNano: ns(startMs + durationMs), ...extra });
}

interface Sent {
  checkout: string;
  /** The ledger fragment's trace, for a broken request. */
  fragment?: string;
  fragmentRoot?: string;
  danglingCall?: string;
}

/** One checkout at `at` (ms); `broken`: payments' call to ledger carries no context. Each service exports its own spans. */
async function checkout(tenant: Tenant, n: number, at: number, broken: boolean): Promise<Sent> {
  const trace = traceIdOf(0x100 + n);
  const root = span(trace, "POST /checkout", 2, at, 20);
  const pay = span(trace, "POST /pay", 3, at + 1, 18, { parentSpanId: root.spanId, attributes: [str("peer.service", "payments")] });
  const payServer = span(trace, "POST /pay", 2, at + 1.2, 17, { parentSpanId: pay.spanId });
  const ledgerCall = span(trace, "POST /ledger", 3, at + 2, 10, { parentSpanId: payServer.spanId, attributes: [str("server.address", "ledger.prod.svc.cluster.local")] });
  const fragment = broken ? traceIdOf(0x900 + n) : trace;
  const ledgerServer = span(fragment, "POST /ledger", 2, at + 2.3, 9, broken ? {} : { parentSpanId: ledgerCall.spanId });
  for (const [spans, service] of [[[root, pay], "shop"], [[payServer, ledgerCall], "payments"], [[ledgerServer], "ledger"]] as const) {
    expect((await ingest(tenant, requestOf([...spans], service))).status).toBe(200);
  }
  return broken ? { checkout: trace, fragment, fragmentRoot: ledgerServer.spanId as string, danglingCall: ledgerCall.spanId as string } : { checkout: trace };
}

async function flush(tenant: Tenant, clock: TestClock) {
  clock.advance(2 * MINUTE);
  await settle(shard(tenant, 0));
}

interface Finding {
  traceId: string;
  sign: string;
  suspect: string;
  evidence: string[];
  fragments: string[];
  stitch: Array<{ traceId: string; spanId: string; parentTraceId: string; parentSpanId: string }>;
  timeMs: number;
}
interface Broken {
  start: number;
  end: number;
  findings: Finding[];
  services: Array<{ service: string; broken: number }>;
  more: number;
}

const END = T0 + 30 * MINUTE;
const window = `endTs=${END}&lookback=1h`;

describe("broken propagation, from ingest to the routes", async () => {
  const tenant = await signUp();
  const clock = new TestClock(T0 + 10 * MINUTE);
  await useClock(shard(tenant, 0), clock);
  // Healthy traffic first: the shard learns that payments calls ledger.
  for (let n = 0; n < 6; n++) await checkout(tenant, n, T0 + n * 1_000, false);
  await flush(tenant, clock);
  const signRowsAfterHealthy = (await shardSql<{ n: number }>(shard(tenant, 0), "SELECT count(*) AS n FROM propagation_signs"))[0]?.n;
  const broken = [await checkout(tenant, 6, T0 + 6 * MINUTE, true), await checkout(tenant, 7, T0 + 7 * MINUTE, true)];
  // A request whose shop CLIENT span was never exported: payments' SERVER span names a parent that never arrives.
  const lost = traceIdOf(0x200);
  const lostRoot = span(lost, "POST /checkout", 2, T0 + 8 * MINUTE, 20);
  const lostServer = span(lost, "POST /pay", 2, T0 + 8 * MINUTE + 1, 15, { parentSpanId: "00000000deadbeef" });
  expect((await ingest(tenant, requestOf([lostRoot], "shop"))).status).toBe(200);
  expect((await ingest(tenant, requestOf([lostServer], "payments"))).status).toBe(200);
  await flush(tenant, clock);

  it("stores nothing for healthy traces, and one row for the flush that found signs", async () => {
    expect(signRowsAfterHealthy).toBe(0);
    const rows = await shardSql<{ data: string }>(shard(tenant, 0), "SELECT data FROM propagation_signs");
    expect(rows).toHaveLength(1);
    const records = JSON.parse(rows[0]?.data ?? "[]") as Array<{ traceId: string }>;
    // The two fragments, the two requests with a call nobody answered, and the trace with the lost span.
    expect(records.map((r) => r.traceId).sort()).toEqual([...broken.flatMap((b) => [b.checkout, b.fragment]), lost].sort());
  });

  it("finds each broken request, names payments, and ties the fragment to the call it belongs to", async () => {
    const { status, body } = await getJson<Broken>(tenant, `/api/broken-traces?${window}`);
    expect(status).toBe(200);
    expect(body.start).toBe(END - 3_600_000);
    const fragments = body.findings.filter((f) => f.sign === "dangling-call");
    // Newest first.
    expect(fragments.map((f) => f.traceId)).toEqual([broken[1]?.fragment, broken[0]?.fragment]);
    for (const [i, finding] of fragments.reverse().entries()) {
      const sent = broken[i] as Sent;
      expect(finding).toMatchObject({
        suspect: "payments",
        fragments: [sent.checkout, sent.fragment],
        stitch: [{ traceId: sent.fragment, spanId: sent.fragmentRoot, parentTraceId: sent.checkout, parentSpanId: sent.danglingCall }],
        timeMs: T0 + (6 + i) * MINUTE + 2.3,
      });
      expect(finding.evidence[0]).toContain(`ledger's SERVER span "POST /ledger" has no parent and started 0.3 ms into payments' CLIENT span "POST /ledger"`);
      expect(finding.evidence[1]).toContain("ledger does continue the context of calls from payments (6)");
    }
    // The lost span's trace: shop passed its context to payments, its own span never came.
    expect(body.findings.find((f) => f.traceId === lost)).toMatchObject({ sign: "missing-parent", suspect: "shop", fragments: [lost] });
    expect(body.findings).toHaveLength(3);
    expect(body.services).toEqual([
      { service: "payments", broken: 2 },
      { service: "shop", broken: 1 },
    ]);
  });

  it("narrows to one suspect service and pages with limit", async () => {
    const payments = await getJson<Broken>(tenant, `/api/broken-traces?${window}&service=payments&limit=1`);
    expect(payments.body.findings.map((f) => f.traceId)).toEqual([broken[1]?.fragment]);
    expect(payments.body.more).toBe(1);
    const ledger = await getJson<Broken>(tenant, `/api/broken-traces?${window}&service=ledger`);
    expect(ledger.body.findings).toEqual([]);
    // A window before the broken requests holds none.
    const before = await getJson<Broken>(tenant, `/api/broken-traces?endTs=${T0 + 5 * MINUTE}&lookback=1h`);
    expect(before.body.findings).toEqual([]);
  });

  it("answers one trace's findings from either fragment, and none for a healthy trace", async () => {
    const sent = broken[0] as Sent;
    for (const id of [sent.fragment, sent.checkout]) {
      const { status, body } = await getJson<{ traceId: string; findings: Finding[] }>(tenant, `/api/traces/${id}/propagation`);
      expect(status).toBe(200);
      expect(body.traceId).toBe(id);
      expect(body.findings.map((f) => [f.traceId, f.suspect, f.fragments])).toEqual([[sent.fragment, "payments", [sent.checkout, sent.fragment]]]);
    }
    const healthy = await getJson<{ findings: Finding[] }>(tenant, `/api/traces/${traceIdOf(0x101)}/propagation`);
    expect(healthy).toEqual({ status: 200, body: { traceId: traceIdOf(0x101), findings: [] } });
  });

  it("refuses malformed parameters with 400 and the reason, and answers 404 for a trace it does not hold", async () => {
    for (const [query, parameter] of [
      ["lookback=soon", "'lookback' must be a duration"],
      ["lookback=48h", "'lookback' must be at most 24h"],
      ["lookback=-1h", "'lookback' must be a positive duration"],
      ["limit=0", "'limit' must be a whole number from 1 to 1000"],
      ["endTs=yesterday", "'endTs' must be a whole number of milliseconds"],
    ] as const) {
      const { status, body } = await getJson<{ error: { message: string } }>(tenant, `/api/broken-traces?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.message, query).toContain(parameter);
    }
    const bad = await getJson<{ errors: Array<{ msg: string }> }>(tenant, "/api/traces/not-hex/propagation");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.msg).toContain("trace id must be 1 to 32 hex digits");
    expect((await getJson(tenant, `/api/traces/${traceIdOf(0xfff)}/propagation`)).status).toBe(404);
  });

  it("shows another tenant nothing: no findings, and the trace is not found", async () => {
    const other = await signUp();
    const { body } = await getJson<Broken>(other, `/api/broken-traces?${window}`);
    expect(body.findings).toEqual([]);
    expect(body.services).toEqual([]);
    expect((await getJson(other, `/api/traces/${broken[0]?.fragment}/propagation`)).status).toBe(404);
  });
});

describe("broken propagation judges whole traces only", async () => {
  /** Known calls first, so a trace's signs would be recorded if it were judged. */
  async function tenantWithTraffic(tail?: JsonObject): Promise<{ tenant: Tenant; clock: TestClock }> {
    const tenant = await signUp();
    if (tail) {
      const response = await call("/api/sampling", { method: "PUT", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify({ tail }) });
      expect(response.status).toBe(200);
    }
    const clock = new TestClock(T0 + 10 * MINUTE);
    await useClock(shard(tenant, 0), clock);
    for (let n = 0; n < 3; n++) await checkout(tenant, 20 + n, T0 + n * 1_000, false);
    await flush(tenant, clock);
    return { tenant, clock };
  }
  const signRows = async (tenant: Tenant) => (await shardSql<{ n: number }>(shard(tenant, 0), "SELECT count(*) AS n FROM propagation_signs"))[0]?.n;

  it("records nothing for a long trace written in segments, whose root comes last, and finds it whole when opened", async () => {
    //   segment 1 (flushed while spans still arrive):   payments SERVER POST /pay ×2 → parent: shop's root, not here yet
    //   segment 2 (the rest, minutes later):            shop SERVER POST /batch-checkout (the root)
    const { tenant, clock } = await tenantWithTraffic();
    const trace = traceIdOf(0x300);
    const root = span(trace, "POST /batch-checkout", 2, T0 + 20 * MINUTE, 7 * MINUTE);
    const child = (at: number) => span(trace, "POST /pay", 2, at, 5, { parentSpanId: root.spanId });
    const opened = clock.now;
    expect((await ingest(tenant, requestOf([child(T0 + 20 * MINUTE + 1)], "payments"))).status).toBe(200);
    // A span every 5 s (quiet is 10 s): the trace never goes quiet, and is written as a segment once
    // it has been open five minutes and its block's wait (30 s) is over.
    clock.advance(5 * MINUTE - 5_000);
    while (clock.now < opened + 5 * MINUTE + 35_000) {
      expect((await ingest(tenant, requestOf([child(T0 + 25 * MINUTE)], "payments"))).status).toBe(200);
      clock.advance(5_000);
    }
    clock.advance(1_000);
    await settle(shard(tenant, 0));
    const blocks = await shardSql<{ traces: number }>(shard(tenant, 0), "SELECT traces FROM blocks ORDER BY id DESC LIMIT 1");
    expect(blocks).toEqual([{ traces: 1 }]);
    expect(await shardSql(shard(tenant, 0), "SELECT 1 FROM blocks")).toHaveLength(2);
    expect((await ingest(tenant, requestOf([root], "shop"))).status).toBe(200);
    await flush(tenant, clock);
    expect(await signRows(tenant)).toBe(0);
    const { body } = await getJson<{ findings: unknown[] }>(tenant, `/api/traces/${trace}/propagation`);
    expect(body.findings).toEqual([]);
  });

  it("records nothing for a trace tail sampling drops: it is stored nowhere to point at", async () => {
    const { tenant, clock } = await tenantWithTraffic({ keepErrors: false, slowerThanMs: null, slowerThan: [], keepPercent: 0 });
    await checkout(tenant, 30, T0 + 6 * MINUTE, true);
    await flush(tenant, clock);
    expect(await signRows(tenant)).toBe(0);
    // Nothing stored, nothing found: a finding would point at a trace no one can open.
    expect((await getJson<Broken>(tenant, `/api/broken-traces?${window}`)).body.findings).toEqual([]);
  });
});
