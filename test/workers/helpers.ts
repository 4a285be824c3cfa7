/**
 * Helpers for tests that run inside workerd beside the Worker and its Durable Objects: sign up
 * and send OTLP through the Worker's own fetch handler, reach into a trace shard to drive its
 * clock and run its alarm, and look at what it stored.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { encodeProtobuf, makeRequest, makeSpan, type JsonObject } from "../support/otlp-builders";
import type { TraceShard } from "../../durable-objects/trace-shard";

export const ORIGIN = "http://edgetrace.test";

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default.fetch(new Request(`${ORIGIN}${path}`, init));
}

export interface Tenant {
  tenantId: string;
  userId: string;
  ingestKey: string;
  readKey: string;
  cookie: string;
  password: string;
}

let counter = 0;

export async function signUp(): Promise<Tenant> {
  const password = "correct horse battery staple";
  const email = `w${Date.now()}-${++counter}@example.test`;
  const response = await call("/api/signup", { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": `10.0.${counter >> 8}.${counter & 255}` }, body: JSON.stringify({ email, password, organization: "Workers test" }) });
  if (response.status !== 201) throw new Error(`sign-up: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { tenant: { id: string }; user: { id: string }; apiKey: { key: string } };
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const key = await call("/api/keys", { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ name: "reader", scopes: ["read"] }) });
  const readKey = ((await key.json()) as { key: string }).key;
  return { tenantId: body.tenant.id, userId: body.user.id, ingestKey: body.apiKey.key, readKey, cookie, password };
}

export async function ingest(tenant: Tenant, request: JsonObject | Uint8Array): Promise<{ status: number; body: JsonObject }> {
  const bytes = request instanceof Uint8Array ? request : encodeProtobuf(request);
  const response = await call("/v1/traces", {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "x-api-key": tenant.ingestKey, accept: "application/json" },
    body: bytes,
  });
  // Ask for protobuf, read the status only: the JSON twin of the route is what tests inspect.
  const text = response.headers.get("content-type")?.includes("json") ? await response.text() : "";
  return { status: response.status, body: text ? (JSON.parse(text) as JsonObject) : {} };
}

/** Sends as OTLP/JSON, whose answer (partial success included) is readable JSON. */
export async function ingestJson(tenant: Tenant, request: JsonObject): Promise<{ status: number; body: JsonObject }> {
  const response = await call("/v1/traces", { method: "POST", headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey }, body: JSON.stringify(request) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as JsonObject) : {} };
}

export async function getJson<T>(tenant: Tenant, path: string): Promise<{ status: number; body: T }> {
  const response = await call(path, { headers: { authorization: `Bearer ${tenant.readKey}` } });
  return { status: response.status, body: (await response.json()) as T };
}

/** The spans (ids) of a trace as the Jaeger API returns it, or null if 404. */
export async function traceSpanIds(tenant: Tenant, traceId: string): Promise<Set<string> | null> {
  const { status, body } = await getJson<{ data: Array<{ spans: Array<{ spanID: string }> }> }>(tenant, `/api/traces/${traceId}`);
  if (status === 404) return null;
  if (status !== 200) throw new Error(`trace ${traceId}: ${status}`);
  return new Set(body.data[0]?.spans.map((s) => s.spanID));
}

export function shard(tenant: Tenant | string, n = 0): DurableObjectStub<TraceShard> {
  const id = typeof tenant === "string" ? tenant : tenant.tenantId;
  return env.TRACE_SHARD.getByName(`${id}/${n}`);
}

/**
 * Ten years ahead: a driven clock starts there, so the alarms a shard sets by it lie far in the
 * runtime's future and never fire on their own — only when a test runs them.
 */
export const FUTURE = Math.floor((Date.now() + 10 * 365 * 86_400_000) / 3_600_000) * 3_600_000;

/** A clock the test moves; installed into a shard so its quiet periods, windows and retention follow it. */
export class TestClock {
  constructor(public now: number = FUTURE) {}
  advance(ms: number): number {
    this.now += ms;
    return this.now;
  }
}

export async function useClock(stub: DurableObjectStub<TraceShard>, clock: TestClock): Promise<void> {
  await runInDurableObject(stub, (instance: TraceShard) => {
    instance.clock = () => clock.now;
  });
}

/** Runs the shard's alarm now (if one is set); returns whether it ran. */
export function runAlarm(stub: DurableObjectStub<TraceShard>): Promise<boolean> {
  return runDurableObjectAlarm(stub);
}

/** Runs alarms until none is due at the clock's time (or `max` ran). */
export async function settle(stub: DurableObjectStub<TraceShard>, max = 50): Promise<number> {
  let ran = 0;
  while (ran < max) {
    const due = await runInDurableObject(stub, async (_instance: TraceShard, state) => {
      const at = await state.storage.getAlarm();
      return at !== null && at <= (_instance as TraceShard).clock();
    });
    if (!due || !(await runDurableObjectAlarm(stub))) break;
    ran++;
  }
  return ran;
}

/** Rows of a shard table (SQL run inside the object). */
export function shardSql<T extends Record<string, SqlStorageValue>>(stub: DurableObjectStub<TraceShard>, query: string, ...bindings: SqlStorageValue[]): Promise<T[]> {
  return runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<T>(query, ...bindings).toArray());
}

export async function r2Keys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.TRACES.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** A trace id of 32 hex digits from a number. */
export const traceIdOf = (n: number) => `${hex(0xabc, 8)}${hex(n, 24)}`;

/**
 * When spans start unless a test says otherwise: an hour before the run, so a search from
 * `start=0` finds them (searches are clamped to the tenant's retention, counted back from now).
 */
const RECENT_NS = BigInt(Date.now() - 3_600_000) * 1_000_000n;

/** `count` spans of one trace, each with a `bulk`-byte attribute; span ids unique across calls. */
let spanCounter = 1;
export function spansOf(traceId: string, count: number, options: { bulk?: number; service?: string; name?: (i: number) => string; startNs?: bigint } = {}): JsonObject[] {
  const start = options.startNs ?? RECENT_NS;
  return Array.from({ length: count }, (_, i) =>
    makeSpan({
      traceId,
      spanId: hex(spanCounter++, 16),
      name: options.name ? options.name(i) : `op ${i % 7}`,
      startTimeUnixNano: String(start + BigInt(i) * 1_000_000n),
      endTimeUnixNano: String(start + BigInt(i) * 1_000_000n + 500_000n),
      attributes: options.bulk ? [{ key: "payload", value: { stringValue: "x".repeat(options.bulk) } }] : [],
    }),
  );
}

export function requestOf(spans: JsonObject[], service = "workers-test"): JsonObject {
  return makeRequest(spans, { resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] } });
}
