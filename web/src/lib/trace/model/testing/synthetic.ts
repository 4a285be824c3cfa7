/**
 * One big synthetic trace — deep *and* wide — for performance tests and the trace-view benchmark.
 *
 *   frontend GET /api/checkout                        (root, ~12 s)
 *   ├ 8 calls into the backend services, each fanning out 0–5 ways, mixed sequential / parallel
 *   ├ now and then an N+1 loop: 50–200 sibling SELECTs under one span          (wide)
 *   └ now and then a recursive resolver: a chain 30–80 spans deep              (deep)
 *   …until exactly `spans` spans, over 14 services, with HTTP/DB/messaging attributes, events on
 *   about one span in ten and ~1 % errors.
 *
 * Deterministic for a seed. It emits Jaeger JSON (what the API returns) and OTLP/JSON (what
 * `/v1/traces` ingests and the upload page reads). No runtime imports: `node test/bench/*.ts`
 * runs this file as it is.
 */
import type { JaegerKeyValue, JaegerTrace } from "../../../../../../worker/jaeger/v1-types";
import type { Micros } from "../../../../../../worker/model/time";
import type { OtlpJsonSpan, OtlpJsonTraces } from "../export";

export interface SyntheticOptions {
  spans: number;
  seed?: number;
  /** 32 hex digits. */
  traceId?: string;
  /** Root start, µs since the epoch. Default: 10 minutes ago. */
  startMicros?: number;
}

type Value = string | number | boolean;

export interface SyntheticSpan {
  id: string;
  parent: string;
  service: string;
  op: string;
  kind: "server" | "client" | "internal" | "producer" | "consumer";
  start: number;
  duration: number;
  error: boolean;
  attributes: [string, Value][];
  events: { at: number; name: string; attributes: [string, Value][] }[];
}

const SERVICES = ["frontend", "api-gateway", "checkout", "cart", "catalog", "pricing", "inventory", "payments", "fraud-detection", "shipping", "notification", "recommendation", "postgres", "redis"] as const;
const BACKENDS = SERVICES.slice(2, 12);
export const SYNTHETIC_TRACE_ID = "7a3f9c2e5b1d4f6a8c0e2b4d6f8a1c3e";

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticSpans(options: SyntheticOptions): SyntheticSpan[] {
  const random = rng(options.seed ?? 1);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let nextId = 1;
  const spanId = () => (nextId++).toString(16).padStart(16, "0");
  const start = options.startMicros ?? (Date.now() - 10 * 60_000) * 1000;
  const spans: SyntheticSpan[] = [];
  const total = Math.max(1, options.spans);

  const make = (parent: SyntheticSpan | null, service: string, op: string, kind: SyntheticSpan["kind"], s: number, d: number): SyntheticSpan => {
    // Whole µs, and always inside the parent: a well-formed trace needs no clock-skew adjustment.
    let start = Math.round(s);
    let end = Math.max(start + 1, Math.round(s + d));
    if (parent) {
      start = Math.min(Math.max(start, parent.start), parent.start + parent.duration - 1);
      end = Math.min(Math.max(end, start + 1), parent.start + parent.duration);
    }
    const span: SyntheticSpan = { id: spanId(), parent: parent?.id ?? "", service, op, kind, start, duration: end - start, error: parent !== null && random() < 0.01, attributes: attributesFor(service, op, kind, int), events: [] };
    if (random() < 0.1) span.events.push({ at: span.start + Math.round(span.duration * random()), name: pick(["cache miss", "retry", "acquired lock", "message sent"]), attributes: [["attempt", int(1, 3)]] });
    if (span.error) span.events.push({ at: span.start + span.duration, name: "exception", attributes: [["exception.type", "TimeoutError"], ["exception.message", `${op} timed out after ${Math.round(span.duration / 1000)}ms`]] });
    spans.push(span);
    return span;
  };

  const root = make(null, "frontend", "GET /api/checkout", "server", start, 12_000_000);
  const queue: SyntheticSpan[] = [root];
  // Lays `count` children into the parent's interval: in order with gaps, or overlapping. A
  // parent gets no more children than 20 µs each can hold.
  const layout = (parent: SyntheticSpan, wanted: number, child: (s: number, d: number, i: number) => void) => {
    const count = Math.min(wanted, Math.floor(parent.duration / 20));
    const sequential = random() < 0.6;
    const slot = parent.duration / Math.max(1, count);
    for (let i = 0; i < count && spans.length < total; i++) {
      if (sequential) child(parent.start + i * slot + slot * 0.05, slot * (0.5 + 0.45 * random()), i);
      else {
        const s = parent.start + parent.duration * 0.7 * random();
        child(s, (parent.start + parent.duration - s) * (0.2 + 0.75 * random()), i);
      }
    }
  };

  for (let q = 0; spans.length < total; q++) {
    // Out of parents before the count is reached: grow from random spans again.
    const parent = q < queue.length ? (queue[q] as SyntheticSpan) : (spans[int(0, spans.length - 1)] as SyntheticSpan);
    const roll = random();
    if (parent === root) {
      layout(parent, 8, (s, d, i) => queue.push(make(parent, "frontend", `call ${BACKENDS[i % BACKENDS.length]}`, "client", s, d)));
    } else if (roll < 0.03 && parent.duration > 200) {
      // N+1 queries.
      layout(parent, int(50, 200), (s, d) => make(parent, "postgres", "SELECT order_items", "client", s, d));
    } else if (roll < 0.05 && parent.duration > 500) {
      // A recursive resolver: each level inside the one above.
      let at = parent;
      for (let depth = int(30, 80); depth > 0 && spans.length < total && at.duration >= 40; depth--) {
        at = make(at, parent.service, "resolve dependency", "internal", at.start + at.duration * 0.02, at.duration * 0.95);
      }
      queue.push(at);
    } else {
      layout(parent, parent.kind === "client" ? 1 : int(0, 5), (s, d) => {
        if (parent.kind === "client") {
          queue.push(make(parent, pick(BACKENDS), pick(["GET /items", "POST /reserve", "GET /price", "POST /charge", "GET /stock", "POST /notify"]), "server", s, d));
        } else {
          const r = random();
          const child =
            r < 0.4
              ? make(parent, parent.service, `call ${pick(BACKENDS)}`, "client", s, d)
              : r < 0.6
                ? make(parent, "redis", pick(["GET", "SET", "MGET"]), "client", s, d)
                : r < 0.75
                  ? make(parent, "postgres", pick(["SELECT orders", "UPDATE stock", "INSERT events"]), "client", s, d)
                  : r < 0.8
                    ? make(parent, parent.service, "publish order.events", "producer", s, d)
                    : make(parent, parent.service, pick(["validate", "render", "compute total", "serialize"]), "internal", s, d);
          queue.push(child);
        }
      });
    }
  }
  return spans;
}

function attributesFor(service: string, op: string, kind: SyntheticSpan["kind"], int: (lo: number, hi: number) => number): [string, Value][] {
  if (service === "postgres") return [["db.system", "postgresql"], ["db.name", "shop"], ["db.statement", `${op} WHERE id = $1`], ["db.rows_affected", int(0, 40)], ["server.address", "pg-primary"], ["server.port", 5432]];
  if (service === "redis") return [["db.system", "redis"], ["db.operation", op], ["server.address", "redis-0"], ["server.port", 6379]];
  if (kind === "server" || kind === "client") {
    const [method, route] = op.includes(" ") ? op.split(" ") : ["GET", "/"];
    return [["http.request.method", method ?? "GET"], ["http.route", route ?? "/"], ["url.path", route ?? "/"], ["http.response.status_code", 200], ["network.protocol.version", "1.1"], ["server.address", `${service}.svc`], ["user_agent.original", "synthetic/1.0"]];
  }
  if (kind === "producer") return [["messaging.system", "kafka"], ["messaging.destination.name", "order.events"], ["messaging.message.id", String(int(1, 1e9))]];
  return [["code.function", op.replace(/\s+/g, "_")], ["thread.id", int(1, 64)]];
}

const tagOf = (key: string, value: Value): JaegerKeyValue => ({
  key,
  type: typeof value === "boolean" ? "bool" : typeof value === "number" ? (Number.isInteger(value) ? "int64" : "float64") : "string",
  value,
});

export function syntheticJaeger(options: SyntheticOptions): JaegerTrace {
  const traceID = options.traceId ?? SYNTHETIC_TRACE_ID;
  const processes: JaegerTrace["processes"] = {};
  const spans = syntheticSpans(options).map((s) => {
    const processID = `p${SERVICES.indexOf(s.service as (typeof SERVICES)[number]) + 1}`;
    processes[processID] ??= { serviceName: s.service, tags: [tagOf("host.name", `${s.service}-7d9f8`), tagOf("service.version", "1.4.2"), tagOf("telemetry.sdk.language", "nodejs")] };
    const tags = s.attributes.map(([k, v]) => tagOf(k, v));
    tags.push(tagOf("span.kind", s.kind), tagOf("otel.scope.name", "synthetic"));
    if (s.error) tags.push(tagOf("otel.status_code", "ERROR"), tagOf("error", true), tagOf("otel.status_description", "timeout"));
    return {
      traceID,
      spanID: s.id,
      flags: 1,
      operationName: s.op,
      references: s.parent ? [{ refType: "CHILD_OF" as const, traceID, spanID: s.parent }] : [],
      startTime: s.start as Micros,
      duration: s.duration as Micros,
      tags,
      logs: s.events.map((e) => ({ timestamp: e.at as Micros, fields: [tagOf("event", e.name), ...e.attributes.map(([k, v]) => tagOf(k, v))] })),
      processID,
      warnings: null,
    };
  });
  return { traceID, spans, processes, warnings: null };
}

const KIND_NUMBERS = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

const anyValue = (v: Value) => (typeof v === "boolean" ? { boolValue: v } : typeof v === "number" ? (Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v }) : { stringValue: v });

export function syntheticOtlp(options: SyntheticOptions): OtlpJsonTraces {
  const traceId = (options.traceId ?? SYNTHETIC_TRACE_ID).padStart(32, "0");
  const byService = new Map<string, OtlpJsonSpan[]>();
  const nanos = (us: number) => `${us}000`;
  for (const s of syntheticSpans(options)) {
    const list = byService.get(s.service) ?? [];
    byService.set(s.service, list);
    list.push({
      traceId,
      spanId: s.id,
      parentSpanId: s.parent,
      name: s.op,
      kind: KIND_NUMBERS[s.kind],
      startTimeUnixNano: nanos(s.start),
      endTimeUnixNano: nanos(s.start + s.duration),
      attributes: s.attributes.map(([key, v]) => ({ key, value: anyValue(v) })),
      events: s.events.map((e) => ({ timeUnixNano: nanos(e.at), name: e.name, attributes: e.attributes.map(([key, v]) => ({ key, value: anyValue(v) })) })),
      links: [],
      status: s.error ? { code: 2, message: "timeout" } : { code: 0 },
    });
  }
  return {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: service } }, { key: "host.name", value: { stringValue: `${service}-7d9f8` } }] },
      scopeSpans: [{ scope: { name: "synthetic", version: "1.0.0" }, spans }],
    })),
  };
}
