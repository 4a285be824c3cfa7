/**
 * HotROD-like traffic ("Hot R.O.D. — Rides on Demand", Jaeger's example app) made with the real
 * OpenTelemetry JS SDK, for the demo (`npm run demo`), tests and benchmarks.
 *
 * Every "service" is its own TracerProvider with its own Resource, so the spans look exactly like
 * what six separately deployed services would export. Calls between services propagate the
 * context in-process (the caller's client span is the callee's server span's parent). Time is
 * simulated — every span gets explicit start/end timestamps — so thousands of traces take
 * milliseconds, and the same seed always gives the same traffic (ids are random unless
 * `deterministicIds`).
 *
 * One request (`GET /dispatch?customer=…` on frontend) makes one trace of ~45–60 spans:
 *
 *   frontend   SERVER   GET /dispatch
 *   ├ frontend   CLIENT   GET /customer ─ customer SERVER GET /customer ─ CLIENT SELECT customer (mysql)
 *   ├ frontend   CLIENT   driver.DriverService/FindNearest
 *   │  └ driver    SERVER   driver.DriverService/FindNearest
 *   │     ├ CLIENT FindDriverIDs (redis)      └ CLIENT GetDriver ×10+ (redis, ~4 % time out, retried)
 *   ├ frontend   CLIENT   GET /route ×10 (3 in parallel) ─ route SERVER GET /route ─ INTERNAL computeRoute
 *   ├ frontend   CLIENT   POST /v1/eta/plan (half the requests) ─ eta-planner SERVER ─ INTERNAL
 *   │            invoke_agent ─ CLIENT chat gpt-4o-mini (gen_ai.*), INTERNAL execute_tool, CLIENT chat
 *   └ frontend   PRODUCER send dispatch (kafka)
 *
 * and the message's consumer starts a second trace linked to the producer span:
 *
 *   notification CONSUMER process dispatch (link → producer) ─ INTERNAL render template,
 *                CLIENT INSERT notifications (postgresql), CLIENT POST /v1/messages (sms gateway)
 *
 * Customer 1234's mysql query is slow (~750 ms, waiting for a lock); request #3 always asks for
 * it. Request #7 (and ~3 % of the others) hits a mysql deadlock: the whole request fails with 500.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, createTraceState, trace } from "@opentelemetry/api";
import type { Attributes, Context, HrTime, Link, Span, SpanContext, Tracer } from "@opentelemetry/api";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { SamplingDecision, TracerProvider } from "@opentelemetry/sdk-trace";
import type { IdGenerator, ReadableSpan, Sampler, SamplingResult, SpanProcessor } from "@opentelemetry/sdk-trace";

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a tiny, fast, good-enough 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return Math.floor(this.between(lo, hi + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Normally distributed (Box–Muller), never below `min`. */
  normal(mean: number, sd: number, min = 0): number {
    const u = 1 - this.next();
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(min, mean + sd * z);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
  hex(digits: number): string {
    let out = "";
    while (out.length < digits) out += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, "0");
    return out.slice(0, digits);
  }
}

// ---------------------------------------------------------------------------------------------
// Services, providers

export const HOTROD_SERVICES = ["frontend", "customer", "driver", "route", "eta-planner", "notification"] as const;
export type HotrodService = (typeof HOTROD_SERVICES)[number];

interface ServiceInfo {
  version: string;
  port: number;
  ip: string;
}

const SERVICE_INFO: Record<HotrodService, ServiceInfo> = {
  frontend: { version: "1.64.0", port: 8080, ip: "10.42.0.11" },
  customer: { version: "1.64.0", port: 8081, ip: "10.42.0.12" },
  driver: { version: "1.64.2", port: 8082, ip: "10.42.0.13" },
  route: { version: "1.63.1", port: 8083, ip: "10.42.0.14" },
  "eta-planner": { version: "0.9.0", port: 8090, ip: "10.42.0.21" },
  notification: { version: "2.3.1", port: 8095, ip: "10.42.0.22" },
};

/** Root spans ask this sampler for their trace state; it always samples. */
export class HotrodSampler implements Sampler {
  /** Trace state ("k=v,k2=v2") for the next root span, consumed by it. */
  pendingTraceState: string | undefined;
  shouldSample(context: Context): SamplingResult {
    if (this.pendingTraceState !== undefined && !trace.getSpanContext(context)) {
      const traceState = createTraceState(this.pendingTraceState);
      this.pendingTraceState = undefined;
      return { decision: SamplingDecision.RECORD_AND_SAMPLED, traceState };
    }
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString(): string {
    return "HotrodSampler";
  }
}

/** Trace and span ids from a seeded PRNG, for byte-identical fixtures. */
export class SeededIdGenerator implements IdGenerator {
  readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }
  generateTraceId(): string {
    return this.rng.hex(32);
  }
  generateSpanId(): string {
    return this.rng.hex(16);
  }
}

export interface HotrodProviders {
  readonly sampler: HotrodSampler;
  providerFor(service: HotrodService): TracerProvider;
  /** Flushes every provider; rejects with the first failure after all have settled. */
  forceFlush(): Promise<void>;
  /** Shuts every provider down (flushing first); rejects with the first failure. */
  shutdown(): Promise<void>;
}

export interface ProviderOptions {
  /** The span processors of one service, e.g. a BatchSpanProcessor around its own exporter. */
  processorsFor: (service: HotrodService) => SpanProcessor[];
  /** Seeds instance ids (and span ids with `deterministicIds`). Default 1. */
  seed?: number;
  deterministicIds?: boolean;
}

/** The Resource one service's SDK would report (plus the SDK's telemetry.sdk.* attributes). */
export function hotrodResource(service: HotrodService, seed = 1) {
  const info = SERVICE_INFO[service];
  const rng = new Rng(seed * 7919 + service.length * 104729 + service.charCodeAt(0));
  const pod = `${service}-${rng.hex(10)}-${rng.hex(5)}`;
  const instance = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`;
  return defaultResource().merge(
    resourceFromAttributes({
      "service.name": service,
      "service.namespace": "hotrod",
      "service.version": info.version,
      "service.instance.id": instance,
      "deployment.environment.name": "demo",
      "host.name": pod,
      "host.arch": "amd64",
      "os.type": "linux",
      "process.pid": rng.int(7, 4000),
      "process.runtime.name": "nodejs",
      "process.runtime.version": "22.12.0",
      "k8s.namespace.name": "hotrod",
      "k8s.pod.name": pod,
      "k8s.pod.ip": info.ip,
      "cloud.provider": "aws",
      "cloud.region": "eu-west-1",
    }),
  );
}

export function createHotrodProviders(options: ProviderOptions): HotrodProviders {
  const seed = options.seed ?? 1;
  const sampler = new HotrodSampler();
  const providers = new Map<HotrodService, TracerProvider>();
  for (const service of HOTROD_SERVICES) {
    providers.set(
      service,
      new TracerProvider({
        resource: hotrodResource(service, seed),
        sampler,
        spanProcessors: options.processorsFor(service),
        ...(options.deterministicIds ? { idGenerator: new SeededIdGenerator(seed * 31 + service.length * 17 + service.charCodeAt(1)) } : {}),
      }),
    );
  }
  const all = async (f: (p: TracerProvider) => Promise<void>) => {
    const results = await Promise.allSettled([...providers.values()].map(f));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };
  return {
    sampler,
    providerFor(service) {
      const provider = providers.get(service);
      if (!provider) throw new Error(`unknown HotROD service ${service}`);
      return provider;
    },
    forceFlush: () => all((p) => p.forceFlush()),
    shutdown: () => all((p) => p.shutdown()),
  };
}

// ---------------------------------------------------------------------------------------------
// The generator

export interface TrafficOptions {
  providers: HotrodProviders;
  /** Number of `/dispatch` requests (each one trace, plus one notification trace if it succeeds). Default 20. */
  requests?: number;
  /** Seeds the traffic's shape: customers, durations, errors. Default 1. */
  seed?: number;
  /** "Now" in epoch ms; requests start spread over the `spreadMs` before it. Default Date.now(). */
  now?: number;
  /** Default 5 minutes. The last request starts at least 5 s before `now`. */
  spreadMs?: number;
}

export interface HotrodRequest {
  index: number;
  traceId: string;
  /** The notification service's trace, linked to the dispatch message's producer span. */
  notificationTraceId?: string;
  customerId: number;
  /** Root span start, epoch ms, and duration. */
  startMs: number;
  durationMs: number;
  /** Spans of the dispatch trace and of the notification trace. */
  spans: number;
  notificationSpans: number;
  /** The request failed (HTTP 500 at the frontend). */
  failed: boolean;
  /** Some span in the trace has status ERROR (the request may still have succeeded). */
  hasErrors: boolean;
  /** Customer 1234's slow query path. */
  slow: boolean;
  usedEtaPlanner: boolean;
  traceState?: string;
}

interface Customer {
  id: number;
  name: string;
  location: string;
}

const CUSTOMERS: readonly Customer[] = [
  { id: 123, name: "Rachel's Floral Designs", location: "115,277" },
  { id: 392, name: "Trom Chocolatier", location: "577,322" },
  { id: 567, name: "Amazing Coffee Roasters", location: "211,653" },
  { id: 731, name: "Japanese Desserts", location: "728,326" },
];
const SLOW_CUSTOMER: Customer = { id: 1234, name: "Bobby's Hot Dog Stand", location: "432,118" };

const USER_AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 15_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/19.0 Safari/605.1.15",
  "HotROD/4.2 (iPhone; iOS 19.1; Scale/3.00)",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
];

const SCOPES = {
  http: ["@opentelemetry/instrumentation-http", "0.301.0"],
  undici: ["@opentelemetry/instrumentation-undici", "0.23.0"],
  grpc: ["@opentelemetry/instrumentation-grpc", "0.301.0"],
  mysql: ["@opentelemetry/instrumentation-mysql2", "0.56.0"],
  redis: ["@opentelemetry/instrumentation-ioredis", "0.56.0"],
  pg: ["@opentelemetry/instrumentation-pg", "0.61.0"],
  kafka: ["@opentelemetry/instrumentation-kafkajs", "0.17.0"],
  openai: ["@opentelemetry/instrumentation-openai", "0.7.0"],
} as const;

/** Simulated time is µs since the epoch; the SDK takes HrTime [s, ns] (a number would be ms). */
function hr(us: number): HrTime {
  const seconds = Math.floor(us / 1e6);
  return [seconds, Math.round((us - seconds * 1e6) * 1000)];
}

interface Failure {
  type: string;
  message: string;
  stack: string;
}

function failure(type: string, message: string, frames: string[]): Failure {
  return { type, message, stack: `${type}: ${message}\n${frames.map((f) => `    at ${f}`).join("\n")}` };
}

/** Marks a span failed the way instrumentations do: an `exception` event, status ERROR, error.type. */
function recordFailure(span: Span, error: Failure, atUs: number): void {
  span.recordException({ name: error.type, message: error.message, stack: error.stack }, hr(atUs));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.setAttribute("error.type", error.type);
}

/** One simulated run: tracers, the PRNG, and a span counter. */
class Simulation {
  readonly rng: Rng;
  readonly providers: HotrodProviders;
  private readonly tracers = new Map<string, Tracer>();
  spans = 0;
  hasErrors = false;

  constructor(providers: HotrodProviders, seed: number) {
    this.providers = providers;
    this.rng = new Rng(seed);
  }

  tracer(service: HotrodService, scope: keyof typeof SCOPES | "app"): Tracer {
    const key = `${service}/${scope}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      const [name, version] = scope === "app" ? [`hotrod/${service}`, SERVICE_INFO[service].version] : SCOPES[scope];
      tracer = this.providers.providerFor(service).getTracer(name, version);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  start(
    tracer: Tracer,
    name: string,
    kind: SpanKind,
    parent: Context | undefined,
    startUs: number,
    attributes: Attributes = {},
    links: Link[] = [],
  ): Span {
    this.spans++;
    return tracer.startSpan(
      name,
      { kind, startTime: hr(startUs), attributes, links, root: parent === undefined },
      parent ?? ROOT_CONTEXT,
    );
  }

  fail(span: Span, error: Failure, atUs: number): void {
    this.hasErrors = true;
    recordFailure(span, error, atUs);
  }

  /** Network latency of one hop on the cluster network, µs. */
  hop(): number {
    return this.rng.normal(600, 250, 120);
  }
}

interface HttpCall {
  caller: HotrodService;
  callee: HotrodService;
  parent: Context;
  startUs: number;
  method: string;
  route: string;
  query?: string;
  /** Callee's work: starts at `startUs` under the server span; returns its end and HTTP status. */
  handle: (ctx: Context, server: Span, startUs: number) => { endUs: number; status: number; error?: Failure };
}

/** A CLIENT span on the caller and a SERVER span on the callee, per HTTP semantic conventions. */
function httpCall(sim: Simulation, call: HttpCall): { endUs: number; status: number } {
  const info = SERVICE_INFO[call.callee];
  const target = call.query ? `${call.route}?${call.query}` : call.route;
  const client = sim.start(sim.tracer(call.caller, "http"), `${call.method} ${call.route}`, SpanKind.CLIENT, call.parent, call.startUs, {
    "http.request.method": call.method,
    "url.full": `http://${call.callee}:${info.port}${target}`,
    "url.template": call.route,
    "server.address": call.callee,
    "server.port": info.port,
    "network.peer.address": info.ip,
    "network.protocol.version": "1.1",
    "peer.service": call.callee,
  });
  const clientCtx = trace.setSpan(call.parent, client);
  const serverStart = call.startUs + sim.hop();
  const server = sim.start(sim.tracer(call.callee, "http"), `${call.method} ${call.route}`, SpanKind.SERVER, clientCtx, serverStart, {
    "http.request.method": call.method,
    "url.scheme": "http",
    "url.path": call.route,
    ...(call.query ? { "url.query": call.query } : {}),
    "http.route": call.route,
    "server.address": call.callee,
    "server.port": info.port,
    "client.address": SERVICE_INFO[call.caller].ip,
    "network.peer.address": SERVICE_INFO[call.caller].ip,
    "network.protocol.version": "1.1",
    "user_agent.original": "node",
  });
  const result = call.handle(trace.setSpan(clientCtx, server), server, serverStart);
  server.setAttribute("http.response.status_code", result.status);
  if (result.status >= 500) {
    if (result.error) sim.fail(server, result.error, result.endUs - 50);
    else {
      sim.hasErrors = true;
      server.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${result.status}` });
      server.setAttribute("error.type", String(result.status));
    }
  }
  server.end(hr(result.endUs));
  const endUs = result.endUs + sim.hop();
  client.setAttribute("http.response.status_code", result.status);
  if (result.status >= 400) {
    sim.hasErrors = true;
    client.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${result.status}` });
    client.setAttribute("error.type", String(result.status));
  }
  client.end(hr(endUs));
  return { endUs, status: result.status };
}

// --- customer -------------------------------------------------------------------------------

function getCustomer(sim: Simulation, parent: Context, startUs: number, customer: Customer, deadlock: boolean) {
  const { rng } = sim;
  return httpCall(sim, {
    caller: "frontend",
    callee: "customer",
    parent,
    startUs,
    method: "GET",
    route: "/customer",
    query: `customer=${customer.id}`,
    handle: (ctx, server, t0) => {
      let t = t0 + rng.between(40, 160);
      server.addEvent("Loading customer", { customer_id: customer.id }, hr(t));
      t += rng.between(50, 200);
      const statement = `SELECT * FROM customer WHERE customer_id=${customer.id}`;
      const db = sim.start(sim.tracer("customer", "mysql"), "SELECT customer", SpanKind.CLIENT, ctx, t, {
        "db.system": "mysql",
        "db.system.name": "mysql",
        "db.namespace": "customers",
        "db.collection.name": "customer",
        "db.operation.name": "SELECT",
        "db.statement": statement,
        "db.query.text": "SELECT * FROM customer WHERE customer_id=?",
        "db.user": "hotrod",
        "server.address": "mysql",
        "server.port": 3306,
        "network.peer.address": "10.42.1.5",
        "peer.service": "mysql",
      });
      const slow = customer.id === SLOW_CUSTOMER.id;
      let end: number;
      if (slow) {
        // HotROD's misconfigured pool: one connection, requests queue behind a lock.
        const waiting = rng.int(2, 4);
        const blockers = Array.from({ length: waiting }, () => `${rng.int(1000, 9999)}-${rng.int(1, 9)}`);
        db.addEvent(`Waiting for lock behind ${waiting} transactions`, { blockers, "lock.name": "customer_pool" }, hr(t + rng.between(20, 80)));
        const lockWait = rng.normal(680_000, 50_000, 450_000);
        db.addEvent("Acquired lock with 0 transactions waiting behind", { "lock.wait_ms": Math.round(lockWait / 100) / 10 }, hr(t + lockWait));
        end = t + lockWait + rng.normal(70_000, 15_000, 25_000);
      } else {
        end = t + rng.normal(55_000, 18_000, 12_000);
      }
      if (deadlock) {
        const error = failure("ER_LOCK_DEADLOCK", "Deadlock found when trying to get lock; try restarting transaction", [
          "PromiseConnection.query (/app/node_modules/mysql2/lib/promise/connection.js:29:22)",
          "CustomerRepository.get (/app/src/customer/repository.ts:41:28)",
          "async CustomerService.getCustomer (/app/src/customer/service.ts:22:18)",
          "async /app/src/customer/server.ts:35:22",
        ]);
        sim.fail(db, error, end - 30);
        db.setAttribute("db.response.status_code", "1213");
        db.end(hr(end));
        const serverEnd = end + rng.between(300, 900);
        server.addEvent("Failed to load customer", { customer_id: customer.id, error: error.message }, hr(serverEnd - 100));
        return { endUs: serverEnd, status: 500, error };
      }
      db.setAttribute("db.response.returned_rows", 1);
      db.end(hr(end));
      return { endUs: end + rng.between(200, 700), status: 200 };
    },
  });
}

// --- driver ---------------------------------------------------------------------------------

interface Driver {
  id: string;
  location: string;
}

function findNearestDrivers(sim: Simulation, parent: Context, startUs: number, location: string) {
  const { rng } = sim;
  const info = SERVICE_INFO.driver;
  const rpc = {
    "rpc.system": "grpc",
    "rpc.service": "driver.DriverService",
    "rpc.method": "FindNearest",
  };
  const client = sim.start(sim.tracer("frontend", "grpc"), "driver.DriverService/FindNearest", SpanKind.CLIENT, parent, startUs, {
    ...rpc,
    "server.address": "driver",
    "server.port": info.port,
    "network.peer.address": info.ip,
    "peer.service": "driver",
  });
  const clientCtx = trace.setSpan(parent, client);
  const t0 = startUs + sim.hop();
  const server = sim.start(sim.tracer("driver", "grpc"), "driver.DriverService/FindNearest", SpanKind.SERVER, clientCtx, t0, {
    ...rpc,
    "server.port": info.port,
    "network.peer.address": SERVICE_INFO.frontend.ip,
    "rpc.request.location": location,
  });
  const ctx = trace.setSpan(clientCtx, server);
  let t = t0 + rng.between(50, 150);
  server.addEvent("Searching for nearby drivers", { location }, hr(t));
  const redis = sim.tracer("driver", "redis");
  const redisAttrs = {
    "db.system": "redis",
    "db.system.name": "redis",
    "db.namespace": "0",
    "server.address": "redis",
    "server.port": 6379,
    "network.peer.address": "10.42.1.7",
    "peer.service": "redis",
  };
  t += rng.between(50, 150);
  const find = sim.start(redis, "FindDriverIDs", SpanKind.CLIENT, ctx, t, {
    ...redisAttrs,
    "db.operation.name": "GEOSEARCH",
    "db.statement": `GEOSEARCH drivers FROMMEMBER ${location} BYRADIUS 5 km ASC COUNT 10`,
    "param.location": location,
  });
  const drivers: Driver[] = Array.from({ length: 10 }, () => ({
    id: `T7${rng.int(10000, 99999)}C`,
    location: `${rng.int(1, 999)},${rng.int(1, 999)}`,
  }));
  t += rng.normal(20_000, 5_000, 6_000);
  find.setAttribute("db.response.returned_rows", drivers.length);
  find.end(hr(t));
  server.addEvent("Found drivers", { count: drivers.length, "driver.ids": drivers.map((d) => d.id) }, hr(t + 30));

  const found: Driver[] = [];
  for (const driver of drivers) {
    for (let attempt = 1; attempt <= 3; attempt++) {
      t += rng.between(60, 250);
      const get = sim.start(redis, "GetDriver", SpanKind.CLIENT, ctx, t, {
        ...redisAttrs,
        "db.operation.name": "HGETALL",
        "db.statement": `HGETALL driver:${driver.id}`,
        "param.driverID": driver.id,
      });
      if (rng.chance(0.04)) {
        t += rng.normal(35_000, 6_000, 20_000); // the client's 30 ms timeout fires
        const error = failure("RedisTimeoutError", "redis timeout", [
          "Timeout._onTimeout (/app/node_modules/ioredis/built/Command.js:192:33)",
          "listOnTimeout (node:internal/timers:594:17)",
          "process.processTimers (node:internal/timers:529:7)",
        ]);
        sim.fail(get, error, t - 20);
        get.end(hr(t));
        server.addEvent(attempt < 3 ? "Retrying GetDriver after error" : "Failed to get driver after 3 attempts", {
          retry_no: attempt,
          "driver.id": driver.id,
          error: error.message,
        }, hr(t + 40));
        continue;
      }
      t += rng.normal(10_000, 3_000, 2_500);
      get.setAttribute("db.response.returned_rows", 1);
      get.end(hr(t));
      found.push(driver);
      break;
    }
  }
  t += rng.between(100, 400);
  server.addEvent("Search successful", { num_drivers: found.length }, hr(t));
  server.setAttribute("rpc.grpc.status_code", 0);
  t += rng.between(50, 200);
  server.end(hr(t));
  const end = t + sim.hop();
  client.setAttribute("rpc.grpc.status_code", 0);
  client.end(hr(end));
  return { endUs: end, drivers: found };
}

// --- route ----------------------------------------------------------------------------------

interface Route {
  driver: Driver;
  etaSeconds: number;
}

/** HotROD computes one route per driver on a pool of 3 workers: at most 3 calls overlap. */
function findRoutes(sim: Simulation, parent: Context, startUs: number, pickup: string, drivers: Driver[]) {
  const { rng } = sim;
  const lanes = [startUs, startUs + rng.between(20, 80), startUs + rng.between(40, 160)];
  const routes: Route[] = [];
  for (const driver of drivers) {
    let lane = 0;
    for (let i = 1; i < lanes.length; i++) if ((lanes[i] as number) < (lanes[lane] as number)) lane = i;
    const laneStart = (lanes[lane] as number) + rng.between(20, 120);
    let etaSeconds = 0;
    const { endUs } = httpCall(sim, {
      caller: "frontend",
      callee: "route",
      parent,
      startUs: laneStart,
      method: "GET",
      route: "/route",
      query: `dropoff=${pickup}&pickup=${driver.location}`,
      handle: (ctx, server, t0) => {
        const cacheHit = rng.chance(0.3);
        server.setAttribute("cache.hit", cacheHit);
        let t = t0 + rng.between(80, 300);
        const distanceKm = Math.round(rng.between(0.4, 14) * 1000) / 1000;
        etaSeconds = Math.round((distanceKm / rng.between(18, 42)) * 3600 * 10) / 10;
        if (!cacheHit) {
          const compute = sim.start(sim.tracer("route", "app"), "computeRoute", SpanKind.INTERNAL, ctx, t, {
            "route.pickup": driver.location,
            "route.dropoff": pickup,
            "route.algorithm": "a-star",
          });
          t += rng.normal(50_000, 25_000, 8_000);
          compute.setAttributes({ "route.distance_km": distanceKm, "route.eta_seconds": etaSeconds, "route.nodes_expanded": rng.int(800, 25_000) });
          compute.end(hr(t));
        } else {
          t += rng.between(300, 1500);
        }
        server.setAttribute("route.eta_seconds", etaSeconds);
        return { endUs: t + rng.between(100, 400), status: 200 };
      },
    });
    lanes[lane] = endUs;
    routes.push({ driver, etaSeconds });
  }
  return { endUs: Math.max(...lanes), routes };
}

// --- eta-planner (an AI agent) --------------------------------------------------------------

function planEta(sim: Simulation, parent: Context, startUs: number, route: Route, customer: Customer) {
  const { rng } = sim;
  let adjusted = route.etaSeconds;
  const call = httpCall(sim, {
    caller: "frontend",
    callee: "eta-planner",
    parent,
    startUs,
    method: "POST",
    route: "/v1/eta/plan",
    handle: (ctx, server, t0) => {
      let t = t0 + rng.between(100, 400);
      const conversation = `conv_${rng.hex(20)}`;
      const agent = sim.start(sim.tracer("eta-planner", "app"), "invoke_agent eta-planner", SpanKind.INTERNAL, ctx, t, {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "eta-planner",
        "gen_ai.agent.id": "asst_hotrod_eta_v3",
        "gen_ai.conversation.id": conversation,
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
      });
      const agentCtx = trace.setSpan(ctx, agent);
      const openai = sim.tracer("eta-planner", "openai");
      let inputTokens = 0;
      let outputTokens = 0;
      const chat = (finish: string, tokensIn: number, tokensOut: number, meanUs: number, rateLimited: boolean) => {
        t += rng.between(200, 900);
        const span = sim.start(openai, "chat gpt-4o-mini", SpanKind.CLIENT, agentCtx, t, {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.system": "openai",
          "gen_ai.request.model": "gpt-4o-mini",
          "gen_ai.request.temperature": 0.2,
          "gen_ai.request.top_p": 0.95,
          "gen_ai.request.max_tokens": 512,
          "gen_ai.conversation.id": conversation,
          "server.address": "api.openai.com",
          "server.port": 443,
        });
        if (rateLimited) {
          t += rng.normal(90_000, 20_000, 30_000);
          sim.fail(
            span,
            failure("RateLimitError", "429 Rate limit reached for gpt-4o-mini on tokens per min (TPM): Limit 200000, Used 199612, Requested 1121.", [
              "OpenAI.makeStatusError (/app/node_modules/openai/src/client.ts:452:12)",
              "OpenAI.makeRequest (/app/node_modules/openai/src/client.ts:661:24)",
              "async Planner.complete (/app/src/planner/llm.ts:57:20)",
            ]),
            t - 200,
          );
          span.setAttribute("http.response.status_code", 429);
          span.end(hr(t));
          const retryAfterMs = rng.int(200, 900);
          agent.addEvent("Rate limited; retrying", { "retry.attempt": 1, "retry.after_ms": retryAfterMs }, hr(t + 100));
          t += retryAfterMs * 1000;
          return false;
        }
        t += rng.normal(meanUs, meanUs / 3, meanUs / 4);
        inputTokens += tokensIn;
        outputTokens += tokensOut;
        span.setAttributes({
          "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
          "gen_ai.response.id": `chatcmpl-${rng.hex(24)}`,
          "gen_ai.response.finish_reasons": [finish],
          "gen_ai.usage.input_tokens": tokensIn,
          "gen_ai.usage.output_tokens": tokensOut,
        });
        span.end(hr(t));
        return true;
      };
      const prompt = rng.int(650, 1100);
      if (!chat("tool_calls", prompt, rng.int(18, 60), 550_000, rng.chance(0.1))) chat("tool_calls", prompt, rng.int(18, 60), 550_000, false);
      t += rng.between(100, 400);
      const tool = sim.start(sim.tracer("eta-planner", "app"), "execute_tool get_traffic_conditions", SpanKind.INTERNAL, agentCtx, t, {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_traffic_conditions",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": `call_${rng.hex(24)}`,
        "traffic.area": customer.location,
      });
      t += rng.normal(18_000, 6_000, 4_000);
      const congestion = Math.round(rng.between(0.8, 1.6) * 100) / 100;
      tool.setAttribute("traffic.congestion_factor", congestion);
      tool.end(hr(t));
      chat("stop", prompt + rng.int(150, 300), rng.int(40, 140), 380_000, false);
      adjusted = Math.round(route.etaSeconds * congestion * 10) / 10;
      agent.setAttributes({
        "gen_ai.usage.input_tokens": inputTokens,
        "gen_ai.usage.output_tokens": outputTokens,
        "hotrod.eta.base_seconds": route.etaSeconds,
        "hotrod.eta.adjusted_seconds": adjusted,
      });
      t += rng.between(100, 300);
      agent.end(hr(t));
      return { endUs: t + rng.between(100, 300), status: 200 };
    },
  });
  return { endUs: call.endUs, etaSeconds: adjusted };
}

// --- kafka: frontend produces, notification consumes ----------------------------------------

function publishDispatch(sim: Simulation, parent: Context, startUs: number, customer: Customer, route: Route, etaSeconds: number) {
  const { rng } = sim;
  const partition = String(customer.id % 6);
  const offset = rng.int(100_000, 900_000);
  const messageId = `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  const body = JSON.stringify({ customer: customer.id, driver: route.driver.id, eta: etaSeconds });
  const kafka = {
    "messaging.system": "kafka",
    "messaging.destination.name": "dispatch",
    "messaging.destination.partition.id": partition,
    "messaging.kafka.message.key": String(customer.id),
    "messaging.message.id": messageId,
    "messaging.message.body.size": body.length,
  };
  const producer = sim.start(sim.tracer("frontend", "kafka"), "send dispatch", SpanKind.PRODUCER, parent, startUs, {
    ...kafka,
    "messaging.operation.type": "send",
    "messaging.operation.name": "send",
    "messaging.client.id": "frontend-producer",
    "server.address": "kafka-0.kafka",
    "server.port": 9092,
  });
  const producerEnd = startUs + rng.normal(2_500, 900, 600);
  producer.setAttribute("messaging.kafka.offset", offset);
  producer.end(hr(producerEnd));
  return { endUs: producerEnd, producer: producer.spanContext(), consume: (simulation: Simulation) => consumeDispatch(simulation, producerEnd, producer.spanContext(), kafka, offset, customer, route) };
}

function consumeDispatch(
  sim: Simulation,
  producedUs: number,
  producer: SpanContext,
  kafka: Attributes,
  offset: number,
  customer: Customer,
  route: Route,
): { traceId: string; spans: number } {
  const { rng } = sim;
  const before = sim.spans;
  let t = producedUs + rng.normal(15_000, 10_000, 1_500); // consumer lag
  // A new trace: the consumer processes the message asynchronously and links back to its producer.
  const consumer = sim.start(
    sim.tracer("notification", "kafka"),
    "process dispatch",
    SpanKind.CONSUMER,
    undefined,
    t,
    {
      ...kafka,
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.consumer.group.name": "notification",
      "messaging.client.id": "notification-consumer-1",
      "messaging.kafka.offset": offset,
    },
    [{ context: producer, attributes: { "messaging.operation.type": "send" } }],
  );
  const ctx = trace.setSpan(ROOT_CONTEXT, consumer);
  t += rng.between(100, 400);
  const render = sim.start(sim.tracer("notification", "app"), "render template", SpanKind.INTERNAL, ctx, t, {
    "template.name": "driver-assigned-sms",
    "template.locale": rng.pick(["en-US", "en-GB", "es-ES", "ja-JP"]),
  });
  t += rng.normal(1_800, 600, 300);
  render.end(hr(t));
  t += rng.between(50, 200);
  const insert = sim.start(sim.tracer("notification", "pg"), "INSERT notifications", SpanKind.CLIENT, ctx, t, {
    "db.system": "postgresql",
    "db.system.name": "postgresql",
    "db.namespace": "notifications",
    "db.collection.name": "notifications",
    "db.operation.name": "INSERT",
    "db.statement": "INSERT INTO notifications (customer_id, driver_id, channel, body) VALUES ($1, $2, $3, $4)",
    "server.address": "postgres",
    "server.port": 5432,
    "peer.service": "postgres",
  });
  t += rng.normal(3_500, 1_200, 800);
  insert.setAttribute("db.response.affected_rows", 1);
  insert.end(hr(t));
  for (let attempt = 1; attempt <= 2; attempt++) {
    t += rng.between(100, 300);
    const sms = sim.start(sim.tracer("notification", "undici"), "POST /v1/messages", SpanKind.CLIENT, ctx, t, {
      "http.request.method": "POST",
      "url.full": "https://sms-gateway.example.net/v1/messages",
      "url.template": "/v1/messages",
      "server.address": "sms-gateway.example.net",
      "server.port": 443,
      "peer.service": "sms-gateway",
      "http.request.resend_count": attempt - 1,
    });
    if (attempt === 1 && rng.chance(0.05)) {
      t += rng.normal(45_000, 10_000, 15_000);
      sms.setAttribute("http.response.status_code", 503);
      sms.setAttribute("error.type", "503");
      sms.setStatus({ code: SpanStatusCode.ERROR, message: "HTTP 503 Service Unavailable" });
      sim.hasErrors = true;
      sms.end(hr(t));
      consumer.addEvent("Retrying SMS delivery", { retry_no: attempt, "http.response.status_code": 503 }, hr(t + 100));
      t += rng.between(200_000, 400_000);
      continue;
    }
    t += rng.normal(85_000, 25_000, 25_000);
    sms.setAttribute("http.response.status_code", 202);
    sms.end(hr(t));
    break;
  }
  consumer.addEvent("Notification sent", { channel: "sms", "customer.id": customer.id, "driver.id": route.driver.id }, hr(t + 50));
  t += rng.between(150, 600);
  consumer.end(hr(t));
  return { traceId: consumer.spanContext().traceId, spans: sim.spans - before };
}

// --- frontend -------------------------------------------------------------------------------

function dispatch(sim: Simulation, index: number, startUs: number): HotrodRequest {
  const { rng } = sim;
  // Request #3 always shows the slow customer, request #7 the deadlock; the rest are random.
  const customer = index === 2 ? SLOW_CUSTOMER : rng.chance(0.08) ? SLOW_CUSTOMER : rng.pick(CUSTOMERS);
  const deadlock = index === 6 || (index !== 2 && rng.chance(0.03));
  const useEtaPlanner = rng.chance(0.5);
  const traceState = rng.chance(0.25) ? `hotrod=${rng.pick(["web", "ios", "android"])},ot=th:0` : undefined;
  sim.hasErrors = false;
  const before = sim.spans;
  const session = rng.int(1000, 9999);
  const requestId = `${session}-${rng.int(1, 99)}`;
  const nonse = rng.next().toFixed(16);
  const [lat, lon] = [37.7749 + rng.between(-0.05, 0.05), -122.4194 + rng.between(-0.05, 0.05)];

  sim.providers.sampler.pendingTraceState = traceState;
  const root = sim.start(sim.tracer("frontend", "http"), "GET /dispatch", SpanKind.SERVER, undefined, startUs, {
    "http.request.method": "GET",
    "url.scheme": "http",
    "url.path": "/dispatch",
    "url.query": `customer=${customer.id}&nonse=${nonse}`,
    "http.route": "/dispatch",
    "server.address": "frontend",
    "server.port": SERVICE_INFO.frontend.port,
    "client.address": `192.168.${rng.int(0, 9)}.${rng.int(2, 254)}`,
    "network.protocol.version": "1.1",
    "user_agent.original": rng.pick(USER_AGENTS),
    "hotrod.customer.id": customer.id,
    "session.id": String(session),
    "hotrod.request.id": requestId,
    "hotrod.pickup.coordinates": [Math.round(lat * 1e5) / 1e5, Math.round(lon * 1e5) / 1e5],
    "feature_flag.eta_planner": useEtaPlanner,
  });
  sim.providers.sampler.pendingTraceState = undefined;
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const traceId = root.spanContext().traceId;
  let t = startUs + rng.between(30, 120);
  root.addEvent("HTTP request received", { method: "GET", url: `/dispatch?customer=${customer.id}&nonse=${nonse}` }, hr(t));
  t += rng.between(20, 80);
  root.addEvent("Getting customer", { customer_id: customer.id }, hr(t));
  const got = getCustomer(sim, ctx, t + rng.between(50, 150), customer, deadlock);
  t = got.endUs;

  const finish = (status: number, endUs: number, extra: Partial<HotrodRequest> = {}): HotrodRequest => {
    root.setAttribute("http.response.status_code", status);
    if (status >= 500) {
      sim.hasErrors = true;
      root.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
      root.setAttribute("error.type", String(status));
    }
    root.end(hr(endUs));
    return {
      index,
      traceId,
      customerId: customer.id,
      startMs: startUs / 1000,
      durationMs: (endUs - startUs) / 1000,
      spans: sim.spans - before,
      notificationSpans: 0,
      failed: status >= 500,
      hasErrors: sim.hasErrors,
      slow: customer.id === SLOW_CUSTOMER.id,
      usedEtaPlanner: false,
      ...(traceState ? { traceState } : {}),
      ...extra,
    };
  };

  if (got.status !== 200) {
    t += rng.between(50, 200);
    root.addEvent("Failed to get customer", { customer_id: customer.id, "http.response.status_code": got.status }, hr(t));
    return finish(500, t + rng.between(100, 400));
  }
  t += rng.between(30, 100);
  root.addEvent("Found customer", { customer_id: customer.id, customer_name: customer.name, location: customer.location }, hr(t));
  t += rng.between(20, 80);
  root.addEvent("Finding nearest drivers", { location: customer.location }, hr(t));
  const nearest = findNearestDrivers(sim, ctx, t + rng.between(50, 150), customer.location);
  t = nearest.endUs + rng.between(30, 100);
  root.addEvent("Found drivers", { num_drivers: nearest.drivers.length }, hr(t));
  if (nearest.drivers.length === 0) {
    // Every GetDriver timed out three times: vanishingly rare, but a trace must still end well.
    return finish(503, t + rng.between(100, 400));
  }
  root.addEvent("Finding routes", { num_routes: nearest.drivers.length, workers: 3 }, hr(t + 20));
  const routed = findRoutes(sim, ctx, t + rng.between(40, 120), customer.location, nearest.drivers);
  t = routed.endUs + rng.between(50, 150);
  const best = routed.routes.reduce((a, b) => (b.etaSeconds < a.etaSeconds ? b : a));
  root.addEvent("Found routes", { best_driver: best.driver.id, eta_seconds: best.etaSeconds }, hr(t));
  let eta = best.etaSeconds;
  if (useEtaPlanner) {
    t += rng.between(30, 100);
    root.addEvent("Refining ETA with eta-planner", { "driver.id": best.driver.id }, hr(t));
    const planned = planEta(sim, ctx, t + rng.between(40, 120), best, customer);
    t = planned.endUs;
    eta = planned.etaSeconds;
  }
  t += rng.between(50, 150);
  root.addEvent("Dispatch successful", { driver: best.driver.id, eta_minutes: Math.round((eta / 60) * 100) / 100 }, hr(t));
  const published = publishDispatch(sim, ctx, t + rng.between(30, 100), customer, best, eta);
  t = published.endUs + rng.between(100, 500);
  root.setAttribute("hotrod.driver.id", best.driver.id);
  const result = finish(200, t, { usedEtaPlanner: useEtaPlanner });
  const hasErrors = result.hasErrors;
  const notification = published.consume(sim);
  return { ...result, hasErrors, notificationTraceId: notification.traceId, notificationSpans: notification.spans };
}

/**
 * Lazily yields one request (and its spans, handed to the providers' processors) at a time, so a
 * caller can await exports between requests. Same seed → same traffic.
 */
export function* hotrodTraffic(options: TrafficOptions): Generator<HotrodRequest> {
  const requests = options.requests ?? 20;
  const seed = options.seed ?? 1;
  const nowUs = (options.now ?? Date.now()) * 1000;
  const spreadUs = (options.spreadMs ?? 5 * 60_000) * 1000;
  const windowUs = Math.max(0, spreadUs - 5_000_000);
  const sim = new Simulation(options.providers, seed);
  for (let index = 0; index < requests; index++) {
    const startUs = Math.round(nowUs - spreadUs + ((index + sim.rng.next()) * windowUs) / requests);
    yield dispatch(sim, index, startUs);
  }
}

export interface TrafficSummary {
  requests: HotrodRequest[];
  traces: number;
  spans: number;
}

export function summarize(requests: HotrodRequest[]): TrafficSummary {
  let traces = 0;
  let spans = 0;
  for (const r of requests) {
    traces += r.notificationTraceId ? 2 : 1;
    spans += r.spans + r.notificationSpans;
  }
  return { requests, traces, spans };
}

/** Generates all requests synchronously into the given providers. */
export function generateHotrodTraffic(options: TrafficOptions): TrafficSummary {
  return summarize([...hotrodTraffic(options)]);
}

/** A span processor that keeps every ended span in an array, synchronously. */
export class CollectingSpanProcessor implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The finished spans of `requests` HotROD requests, in memory (in end order, services mixed), e.g.
 * for `ProtobufTraceSerializer.serializeRequest(spans)`. With `spanCount`, generates until there
 * are at least that many spans and returns exactly that many (the last trace may be cut short).
 */
export function collectHotrodSpans(
  options: Omit<TrafficOptions, "providers"> & { spanCount?: number; deterministicIds?: boolean } = {},
): { spans: ReadableSpan[]; summary: TrafficSummary } {
  const collector = new CollectingSpanProcessor();
  const providers = createHotrodProviders({
    processorsFor: () => [collector],
    seed: options.seed ?? 1,
    deterministicIds: options.deterministicIds ?? false,
  });
  const requests: HotrodRequest[] = [];
  if (options.spanCount !== undefined) {
    const wanted = options.spanCount;
    // Enough requests to exceed the count; the generator is lazy, so stop as soon as it does.
    for (const request of hotrodTraffic({ ...options, providers, requests: Math.ceil(wanted / 20) + 1 })) {
      requests.push(request);
      if (collector.spans.length >= wanted) break;
    }
    return { spans: collector.spans.slice(0, wanted), summary: summarize(requests) };
  }
  requests.push(...hotrodTraffic({ ...options, providers }));
  return { spans: collector.spans, summary: summarize(requests) };
}
