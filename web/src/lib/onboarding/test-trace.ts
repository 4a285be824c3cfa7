/**
 * A tiny trace in OTLP/JSON that the onboarding page can send from the browser with the new key,
 * so a user sees the whole path (ingest → first-span indicator → search → trace view) before
 * instrumenting anything:
 *
 *   edgetrace-demo  SERVER  GET /hello ───────────────── 120 ms
 *   ├ edgetrace-demo  CLIENT  SELECT greetings ──── 45 ms
 *   └ edgetrace-demo  INTERNAL  render ─── 30 ms
 */

export const TEST_SERVICE = "edgetrace-demo";

function randomHex(bytes: number, random: (n: number) => Uint8Array): string {
  return Array.from(random(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

const webRandom = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** OTLP/JSON ExportTraceServiceRequest of three spans ending at `nowMs`. */
export function testTraceRequest(nowMs: number, random: (n: number) => Uint8Array = webRandom) {
  const traceId = randomHex(16, random);
  const [root, query, render] = [randomHex(8, random), randomHex(8, random), randomHex(8, random)];
  const startNs = BigInt(Math.trunc(nowMs)) * 1_000_000n - 120_000_000n;
  const at = (offsetMs: number) => (startNs + BigInt(offsetMs) * 1_000_000n).toString();
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
  return {
    traceId,
    body: {
      resourceSpans: [
        {
          resource: { attributes: [str("service.name", TEST_SERVICE), str("telemetry.sdk.name", "edgetrace-onboarding")] },
          scopeSpans: [
            {
              scope: { name: "edgetrace.onboarding" },
              spans: [
                { traceId, spanId: root, name: "GET /hello", kind: 2, startTimeUnixNano: at(0), endTimeUnixNano: at(120), attributes: [str("http.request.method", "GET"), str("http.route", "/hello"), int("http.response.status_code", 200)], status: { code: 1 } },
                { traceId, spanId: query, parentSpanId: root, name: "SELECT greetings", kind: 3, startTimeUnixNano: at(20), endTimeUnixNano: at(65), attributes: [str("db.system", "postgresql"), str("db.statement", "SELECT text FROM greetings LIMIT 1")] },
                { traceId, spanId: render, parentSpanId: root, name: "render", kind: 1, startTimeUnixNano: at(75), endTimeUnixNano: at(105), attributes: [] },
              ],
            },
          ],
        },
      ],
    },
  };
}
