/**
 * How fast do we decode what an OTel SDK sends? `node test/bench/decode.ts`
 *
 * One 512-span batch (the SDK's default export size) from `sdkBatch`, serialised by the SDK's own
 * serialisers, decoded over and over by:
 * - what `/v1/traces` runs: the protobuf scan, or for JSON decode + re-encode + scan,
 * - our full hand protobuf decoder (what reading a stored trace runs),
 * - our JSON decoder alone (UTF-8 decode + JSON.parse + walk),
 * - protobufjs's reflection decoder, raw and with `toObject` to strings (the closest it gets to our
 *   model). Reflection generates code with `new Function`, which Workers forbid; it is here as the
 *   yardstick for the hand decoder, not as an option.
 * Prints spans/s and µs per batch for each (median of rounds interleaved across the decoders).
 */
import "./resolve-ts.ts";

const { JsonTraceSerializer, ProtobufTraceSerializer } = await import("@opentelemetry/otlp-transformer");
const { default: protobuf } = await import("protobufjs");
const { OTLP_TRACE_PROTO, sdkBatch } = await import("../support/otlp-fixtures");
const { decodeProtobufRequest } = await import("../../worker/otlp/protobuf-decode");
const { decodeJsonRequest } = await import("../../worker/otlp/json-decode");
const { scanExportRequest } = await import("../../worker/otlp/protobuf-scan");
const { encodeExportRequest } = await import("../../worker/otlp/protobuf-encode");

const SPANS = 512;
const spans = await sdkBatch(SPANS);
const protobufBody = ProtobufTraceSerializer.serializeRequest(spans);
const jsonBody = JsonTraceSerializer.serializeRequest(spans);
if (!protobufBody || !jsonBody) throw new Error("the SDK serialisers returned nothing");

const Request = protobuf.parse(OTLP_TRACE_PROTO).root.lookupType("otlp.ExportTraceServiceRequest");

// Sanity: every decoder sees all the spans, so we time real work.
const check = {
  scan: scanExportRequest(protobufBody).spanCount,
  protobuf: decodeProtobufRequest(protobufBody).batch.spans.length,
  json: decodeJsonRequest(new TextDecoder().decode(jsonBody)).batch.spans.length,
};
if (Object.values(check).some((n) => n !== SPANS)) throw new Error(`decoded ${JSON.stringify(check)} spans, expected ${SPANS}`);

/**
 * Median µs per call of each case. Rounds of ~100 ms take turns across the cases, so a noisy
 * neighbour (CI, other processes) slows all of them alike rather than whichever ran at the time.
 */
function timeAll(cases: Array<[string, () => unknown]>, rounds = 15): number[] {
  const perRound = cases.map(([, run]) => {
    let n = 0;
    for (const started = performance.now(); performance.now() - started < 100; n++) run(); // warm-up and sizing
    return n;
  });
  const results = cases.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    cases.forEach(([, run], c) => {
      const n = perRound[c] as number;
      const started = performance.now();
      for (let i = 0; i < n; i++) run();
      results[c]?.push(((performance.now() - started) * 1000) / n);
    });
  }
  return results.map((us) => us.sort((a, b) => a - b)[Math.floor(us.length / 2)] as number);
}

const utf8 = new TextDecoder();
const cases: Array<[string, () => unknown]> = [
  ["ingest: protobuf scan", () => scanExportRequest(protobufBody)],
  ["ingest: JSON decode + encode + scan", () => scanExportRequest(encodeExportRequest(decodeJsonRequest(utf8.decode(jsonBody)).batch))],
  ["edgetrace protobuf (full hand decoder)", () => decodeProtobufRequest(protobufBody)],
  ["edgetrace JSON (utf-8 + parse + walk)", () => decodeJsonRequest(utf8.decode(jsonBody))],
  ["  JSON.parse alone", () => JSON.parse(utf8.decode(jsonBody))],
  ["protobufjs reflection decode", () => Request.decode(protobufBody)],
  ["protobufjs reflection decode + toObject", () => Request.toObject(Request.decode(protobufBody), { longs: String, bytes: String })],
];

console.log(`one batch: ${SPANS} SDK spans, protobuf ${protobufBody.length} bytes, JSON ${jsonBody.length} bytes; node ${process.version}`);
const medians = timeAll(cases);
cases.forEach(([name], c) => {
  const us = medians[c] as number;
  console.log(`${name.padEnd(42)} ${Math.round((SPANS * 1e6) / us).toLocaleString("en").padStart(12)} spans/s  ${us.toFixed(0).padStart(7)} µs/batch`);
});
