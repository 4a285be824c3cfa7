/**
 * Nothing acknowledged is lost: spans acked with a 200, then the server SIGKILLed (no graceful
 * shutdown, no flush), then restarted on the same state — every acked span is still readable.
 * Once while traces are still open in their Durable Objects, once after they were completed to R2,
 * and late spans arriving after the restart merge into the completed trace.
 */
import { context, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { exportSpans, exportSucceeded, memoryProvider } from "./support/otel";
import { startServer, type RunningServer } from "./support/server";
import { getJson, signUp } from "./support/tenant";
import type { JaegerEnvelope, JaegerTrace } from "../worker/jaeger/v1-types";

let servers: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function start(stateDir: string | undefined, quietSeconds: number) {
  const server = await startServer({ stateDir, vars: { TRACE_QUIET_SECONDS: String(quietSeconds), TRACE_BLOCK_WAIT_SECONDS: "0" } });
  servers.push(server);
  return server;
}

/** `traces` traces of `spansPerTrace` spans each, exported in one request; returns what was sent. */
async function sendTraces(url: string, key: string, traces: number, spansPerTrace: number) {
  const { provider, finished } = memoryProvider({ "service.name": "crash-test" });
  const tracer = provider.getTracer("crash");
  const sent = new Map<string, Set<string>>();
  for (let t = 0; t < traces; t++) {
    const root = tracer.startSpan(`request ${t}`);
    const parent = trace.setSpan(context.active(), root);
    for (let s = 1; s < spansPerTrace; s++) tracer.startSpan(`step ${s}`, {}, parent).end();
    root.end();
  }
  for (const span of await finished()) {
    const { traceId, spanId } = span.spanContext();
    if (!sent.has(traceId)) sent.set(traceId, new Set());
    sent.get(traceId)?.add(spanId);
  }
  const result = await exportSpans(url, key, await finished(), { kind: "protobuf" });
  expect(exportSucceeded(result), String(result.error)).toBe(true);
  return sent;
}

async function expectAllReadable(url: string, key: string, sent: Map<string, Set<string>>) {
  for (const [traceId, spanIds] of sent) {
    const { status, body } = await getJson<JaegerEnvelope<JaegerTrace[]>>(`${url}/api/traces/${traceId}`, key);
    expect(status, traceId).toBe(200);
    expect(new Set(body.data[0]?.spans.map((s) => s.spanID))).toEqual(spanIds);
  }
}

describe("a crash loses nothing that was acknowledged", () => {
  it("keeps spans still open in their Durable Objects across a SIGKILL", async () => {
    const first = await start(undefined, 3600); // traces stay open: only the DO has them
    const tenant = await signUp(first.url);
    const sent = await sendTraces(first.url, tenant.ingestKey, 20, 12);
    await first.kill();

    const second = await start(first.stateDir, 3600);
    await expectAllReadable(second.url, tenant.readKey, sent);
  });

  it("keeps completed traces and merges late spans that arrive after a restart", async () => {
    const first = await start(undefined, 1);
    const tenant = await signUp(first.url);
    const sent = await sendTraces(first.url, tenant.ingestKey, 5, 6);
    await new Promise((r) => setTimeout(r, 4_000)); // completed to R2 + D1
    await first.kill();

    const second = await start(first.stateDir, 1);
    await expectAllReadable(second.url, tenant.readKey, sent);

    // A late span for a completed trace (same trace id, new span) reopens and merges it.
    const [traceId, spanIds] = [...sent][0] as [string, Set<string>];
    const { provider, finished } = memoryProvider({ "service.name": "crash-test" });
    const parentContext = trace.setSpanContext(context.active(), {
      traceId,
      spanId: [...spanIds][0] as string,
      traceFlags: 1,
    });
    provider.getTracer("crash").startSpan("late step", {}, parentContext).end();
    const late = await finished();
    expect(exportSucceeded(await exportSpans(second.url, tenant.ingestKey, late, { kind: "json" }))).toBe(true);
    spanIds.add(late[0]?.spanContext().spanId as string);
    await expectAllReadable(second.url, tenant.readKey, new Map([[traceId, spanIds]]));
    await new Promise((r) => setTimeout(r, 4_000)); // merged copy completed again
    await expectAllReadable(second.url, tenant.readKey, sent);
  });
});

describe("a crash during background work loses nothing", () => {
  // Four server starts (each bundles and boots workerd: 5–17 s on a shared 2-core machine) and ~20 s
  // of deliberate waits: more than the e2e default.
  it("keeps every acknowledged span across SIGKILLs while blocks are being flushed and compacted", { timeout: 240_000 }, async () => {
    // Windows of 2 s that close at once, and early compaction after 2 blocks: the objects flush
    // and compact all the time, so the kills land in the middle of it.
    const vars = { TRACE_QUIET_SECONDS: "1", TRACE_BLOCK_WAIT_SECONDS: "0", TRACE_COMPACTION_WINDOW_SECONDS: "2", TRACE_COMPACTION_EARLY_BLOCKS: "2" };
    let server = await startServer({ vars });
    servers.push(server);
    const tenant = await signUp(server.url);
    const sent = new Map<string, Set<string>>();
    for (let cycle = 0; cycle < 3; cycle++) {
      for (let burst = 0; burst < 4; burst++) {
        for (const [traceId, spanIds] of await sendTraces(server.url, tenant.ingestKey, 8, 6)) sent.set(traceId, spanIds);
        await new Promise((r) => setTimeout(r, 700 + Math.random() * 900));
      }
      await server.kill();
      servers.splice(servers.indexOf(server), 1);
      server = await startServer({ stateDir: server.stateDir, vars });
      servers.push(server);
    }
    await expectAllReadable(server.url, tenant.readKey, sent);
    // Let the objects finish what the kills interrupted, then read everything again.
    await new Promise((r) => setTimeout(r, 6_000));
    await expectAllReadable(server.url, tenant.readKey, sent);
    const search = await getJson<JaegerEnvelope<JaegerTrace[]>>(`${server.url}/api/traces?service=crash-test&lookback=1h&limit=1000`, tenant.readKey);
    expect(new Set(search.body.data.map((t) => t.traceID))).toEqual(new Set([...sent.keys()].map((id) => id.replace(/^0{16}/, ""))));
  });
});
