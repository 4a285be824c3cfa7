/**
 * End to end: HotROD traffic made by the real OpenTelemetry SDK, sent by the stock OTLP exporters
 * (protobuf and JSON), found again through the v1 and v3 searches — right after the exporters are
 * acknowledged (the traces are still being assembled) and again once they are stored in R2 + D1.
 */
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { JaegerEnvelope, JaegerTrace } from "../worker/jaeger/v1-types";
import type { V3TracesResponse } from "../worker/jaeger/v3-types";
import { collectHotrodSpans } from "./demo/traffic";
import { exportSpans, exportSucceeded, type ExporterKind } from "./support/otel";
import { getJson, signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");

describe.each<ExporterKind>(["protobuf", "json"])("HotROD through the stock %s exporter", (kind) => {
  let tenant: TestTenant;
  let spans: ReadableSpan[];
  let slow: string;
  const now = Date.now();

  beforeAll(async () => {
    tenant = await signUp(url, `E2E ${kind}`);
    const traffic = collectHotrodSpans({ requests: 8, seed: kind === "json" ? 3 : 4, now });
    spans = traffic.spans;
    // Request #3 always asks for customer 1234, whose query is slow (~750 ms).
    const nanos = (s: ReadableSpan) => s.duration[0] * 1e9 + s.duration[1];
    slow = traffic.spans.find((s) => s.name === "SELECT customer" && nanos(s) > 500e6)?.spanContext().traceId ?? "";
    expect(slow, "HotROD's request #3 has a slow customer query").not.toBe("");
    for (let i = 0; i < spans.length; i += 512) {
      const result = await exportSpans(url, tenant.ingestKey, spans.slice(i, i + 512), { kind, gzip: true });
      expect(exportSucceeded(result), String(result.error)).toBe(true);
    }
  });

  const sent = (traceId: string) => spans.filter((s) => s.spanContext().traceId === traceId);
  const dispatches = () => new Set(spans.filter((s) => s.name === "GET /dispatch").map((s) => s.spanContext().traceId));

  async function findAll() {
    const v1 = await getJson<JaegerEnvelope<JaegerTrace[]>>(`${url}/api/traces?service=frontend&operation=GET%20%2Fdispatch&lookback=1h&limit=20`, tenant.readKey);
    expect(v1.status).toBe(200);
    expect(new Set(v1.body.data.map((t) => t.traceID))).toEqual(dispatches());
    for (const trace of v1.body.data) expect(trace.spans).toHaveLength(sent(trace.traceID).length);

    const slowOnes = await getJson<JaegerEnvelope<JaegerTrace[]>>(`${url}/api/traces?service=customer&minDuration=500ms&lookback=1h`, tenant.readKey);
    expect(slowOnes.body.data.map((t) => t.traceID)).toContain(slow);

    const from = new Date(now - 3_600_000).toISOString();
    const to = new Date(now + 60_000).toISOString();
    const v3 = await getJson<V3TracesResponse>(
      `${url}/api/v3/traces?query.serviceName=frontend&query.operationName=GET%20%2Fdispatch&query.startTimeMin=${from}&query.startTimeMax=${to}&query.searchDepth=20`,
      tenant.readKey,
    );
    expect(v3.status).toBe(200);
    const v3Spans = v3.body.result.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    expect(new Set(v3Spans.map((s) => s.traceId))).toEqual(dispatches());
    expect(v3Spans).toHaveLength([...dispatches()].reduce((n, id) => n + sent(id).length, 0));
  }

  it("finds every request's trace right after the export is acknowledged", async () => {
    await findAll();
  });

  it("finds them again, complete, once they are stored", async () => {
    const deadline = Date.now() + 30_000;
    while ((await getJson<{ openTraces: number }>(`${url}/api/usage`, tenant.readKey)).body.openTraces > 0) {
      if (Date.now() > deadline) throw new Error("traces did not complete within 30 s");
      await new Promise((r) => setTimeout(r, 250));
    }
    await findAll();
  });
});
