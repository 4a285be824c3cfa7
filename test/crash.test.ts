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
