/**
 * A small shop whose payments service sometimes calls ledger without passing the trace context,
 * each service exporting its own spans as three deployments would:
 *
 *   healthy (×3):  shop SERVER POST /checkout
 *                  └ shop CLIENT POST /pay ─ payments SERVER POST /pay
 *                                            └ payments CLIENT POST /ledger ─ ledger SERVER POST /ledger
 *   broken:        shop SERVER ─ shop CLIENT ─ payments SERVER ─ payments CLIENT POST /ledger (no traceparent sent)
 *                  ledger SERVER POST /ledger   ← a trace of its own
 */
import { ROOT_CONTEXT, SpanKind, trace as otelTrace, type Context, type Span } from "@opentelemetry/api";
import { memoryProvider } from "./otel";

const within = (span: Span): Context => otelTrace.setSpan(ROOT_CONTEXT, span);

/** The shop's services, each its own provider (its own resource), as three deployments would be. */
export function shopTraffic(startMs: number) {
  const services = { shop: memoryProvider({ "service.name": "shop" }), payments: memoryProvider({ "service.name": "payments" }), ledger: memoryProvider({ "service.name": "ledger" }) };
  const tracer = (name: keyof typeof services) => services[name].provider.getTracer("shop-test");
  const checkout = (at: number, dropContext: boolean) => {
    const root = tracer("shop").startSpan("POST /checkout", { kind: SpanKind.SERVER, startTime: at }, ROOT_CONTEXT);
    const pay = tracer("shop").startSpan("POST /pay", { kind: SpanKind.CLIENT, startTime: at + 1, attributes: { "peer.service": "payments" } }, within(root));
    const payServer = tracer("payments").startSpan("POST /pay", { kind: SpanKind.SERVER, startTime: at + 2 }, within(pay));
    const call = tracer("payments").startSpan("POST /ledger", { kind: SpanKind.CLIENT, startTime: at + 3, attributes: { "server.address": "ledger", "server.port": 8443 } }, within(payServer));
    // The broken path's HTTP client sends no traceparent: ledger starts a trace of its own.
    const ledgerServer = tracer("ledger").startSpan("POST /ledger", { kind: SpanKind.SERVER, startTime: at + 4 }, dropContext ? ROOT_CONTEXT : within(call));
    ledgerServer.end(at + 12);
    call.end(at + 14);
    payServer.end(at + 16);
    pay.end(at + 17);
    root.end(at + 20);
    return { checkout: root.spanContext().traceId, fragment: ledgerServer.spanContext().traceId };
  };
  for (let i = 0; i < 3; i++) checkout(startMs + i * 1_000, false);
  const result = checkout(startMs + 5_000, true);
  return { result, services: Object.values(services) };
}

