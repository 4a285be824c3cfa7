/**
 * Ingest limits inside workerd, with the limiter's clock driven: the tenant's rate and burst, a
 * key's rate and daily cap, the plan's monthly quota — each answered 429 + Retry-After naming the
 * limit and passing again once the wait is over; counts that survive a restarted limiter; one
 * tenant flooding while another is served; refusals counted by reason; the key caps API.
 *
 * Small plans come from PLAN_OVERRIDES (vitest.config.ts): "test-rate" 100 spans/s with a burst
 * of 200, "test-quota" 300 spans a month.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IngestLimiter } from "../../durable-objects/ingest-limiter";
import { limiterStub, PERSIST_INTERVAL_MS } from "../../worker/limits/protocol";
import { rejectedUsage } from "../../worker/limits/rejections";
import type { TenantConfig } from "../../worker/storage/tenant-directory";
import type { JsonObject } from "../support/otlp-builders";
import { call, FUTURE, requestOf, signUp, spansOf, TestClock, traceIdOf, type Tenant } from "./helpers";

const SECOND = 1_000;
const DAY = 86_400_000;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { code?: number; message?: string; partialSuccess?: { rejectedSpans: string } };
}

let traceCounter = 0;
/** `count` fresh spans of one new trace, as an OTLP/JSON request. */
function batch(count: number): JsonObject {
  return requestOf(spansOf(traceIdOf(++traceCounter + 50_000), count));
}

async function send(key: string, request: JsonObject): Promise<Answer> {
  const response = await call("/v1/traces", { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify(request) });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: text ? (JSON.parse(text) as Answer["body"]) : {} };
}

async function setPlan(tenant: Tenant, plan: string): Promise<void> {
  const response = await call(`/admin/tenants/${tenant.tenantId}/plan`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: "Bearer workers-test-admin-token" },
    body: JSON.stringify({ plan }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

function keysApi(tenant: Tenant, method: string, path: string, body?: unknown): Promise<Response> {
  return call(path, { method, headers: { "content-type": "application/json", cookie: tenant.cookie }, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** An ingest key of the tenant with these caps. */
async function keyWith(tenant: Tenant, name: string, limits: JsonObject): Promise<{ id: string; key: string }> {
  const response = await keysApi(tenant, "POST", "/api/keys", { name, scopes: ["ingest"], limits });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

function limiter(tenant: Tenant): DurableObjectStub<IngestLimiter> {
  return limiterStub(env, tenant.tenantId);
}

async function useLimiterClock(tenant: Tenant, clock: TestClock): Promise<void> {
  await runInDurableObject(limiter(tenant), (instance: IngestLimiter) => {
    instance.clock = () => clock.now;
  });
}

/** A clock at the start of a UTC day, well inside a month: day and month edges are where a test puts them. */
function dayStartClock(): TestClock {
  const date = new Date(FUTURE);
  return new TestClock(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 10));
}

const configOf = (tenant: Tenant) => ({ tenantId: tenant.tenantId }) as TenantConfig;

describe("the tenant's rate", () => {
  it("answers 429 with Retry-After naming the tenant's limit past the burst, and accepts again after the wait", async () => {
    const tenant = await signUp();
    await setPlan(tenant, "test-rate");
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);

    expect((await send(tenant.ingestKey, batch(200))).status).toBe(200); // the whole burst at once
    const refused = await send(tenant.ingestKey, batch(50));
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe("1");
    expect(refused.body).toEqual({ code: 8, message: "tenant rate limit of 100 spans/s exceeded; retry after 1 s" });

    clock.advance(SECOND / 2); // 50 tokens back
    expect((await send(tenant.ingestKey, batch(50))).status).toBe(200);
    expect((await send(tenant.ingestKey, batch(100))).retryAfter).toBe("1");
    clock.advance(SECOND);
    expect((await send(tenant.ingestKey, batch(100))).status).toBe(200);
  });

  it("answers in the request's encoding: a protobuf google.rpc.Status for a protobuf request", async () => {
    const tenant = await signUp();
    await setPlan(tenant, "test-rate");
    await useLimiterClock(tenant, dayStartClock());
    expect((await send(tenant.ingestKey, batch(200))).status).toBe(200);
    const { encodeProtobuf } = await import("../support/otlp-builders");
    const response = await call("/v1/traces", { method: "POST", headers: { "content-type": "application/x-protobuf", "x-api-key": tenant.ingestKey }, body: encodeProtobuf(batch(10)) });
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toBe("application/x-protobuf");
    expect(response.headers.get("retry-after")).toBe("1");
    expect(new TextDecoder().decode(new Uint8Array(await response.arrayBuffer()))).toContain("tenant rate limit of 100 spans/s exceeded");
  });

  it("passes one request larger than the whole burst when the bucket is full, then makes the next wait out the debt", async () => {
    const tenant = await signUp();
    await setPlan(tenant, "test-rate");
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);
    expect((await send(tenant.ingestKey, batch(500))).status).toBe(200);
    const refused = await send(tenant.ingestKey, batch(10));
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe("4"); // 300 spans of debt and 10 more at 100/s
    clock.advance(4 * SECOND);
    expect((await send(tenant.ingestKey, batch(10))).status).toBe(200);
  });

  it("refuses a flooding tenant while another tenant's every request is accepted", async () => {
    const [flood, steady] = [await signUp(), await signUp()];
    await setPlan(flood, "test-rate");
    await setPlan(steady, "test-rate");
    const clock = dayStartClock();
    await useLimiterClock(flood, clock);
    await useLimiterClock(steady, clock);
    const statuses = { flood: [] as number[], steady: [] as number[] };
    for (let tick = 0; tick < 10; tick++) {
      // Flood: 5 × 100 spans every 200 ms = 5× its rate. Steady: 20 spans every 200 ms = its rate.
      const answers = await Promise.all([...Array.from({ length: 5 }, () => send(flood.ingestKey, batch(100))), send(steady.ingestKey, batch(20))]);
      statuses.flood.push(...answers.slice(0, 5).map((a) => a.status));
      statuses.steady.push(answers[5]?.status ?? 0);
      clock.advance(SECOND / 5);
    }
    expect(statuses.steady.every((s) => s === 200)).toBe(true);
    expect(statuses.flood.filter((s) => s === 429).length).toBeGreaterThan(30);
    // What got through stays within the burst plus the rate over the 2 s.
    expect(statuses.flood.filter((s) => s === 200).length * 100).toBeLessThanOrEqual(200 + 2 * 100);
  });
});

describe("a key's caps", () => {
  it("answers 429 naming the key past its rate, and accepts again after Retry-After", async () => {
    const tenant = await signUp();
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);
    const ci = await keyWith(tenant, "ci", { spansPerSecond: 10 });
    // The free plan's bucket holds 10 s of its rate; a key's holds 10 s of the key's: 100 spans.
    expect((await send(ci.key, batch(100))).status).toBe(200);
    const refused = await send(ci.key, batch(20));
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe("2");
    expect(refused.body.message).toBe("key 'ci' rate limit of 10 spans/s exceeded; retry after 2 s");
    // The tenant's other keys are not held back by this key's cap.
    expect((await send(tenant.ingestKey, batch(100))).status).toBe(200);
    clock.advance(2 * SECOND);
    expect((await send(ci.key, batch(20))).status).toBe(200);
  });

  it("answers 429 until midnight UTC past a key's daily cap, 413 for a request larger than the cap, and accepts the next day", async () => {
    const tenant = await signUp();
    const clock = dayStartClock();
    clock.advance(DAY - 3_600 * SECOND); // 23:00 UTC
    await useLimiterClock(tenant, clock);
    const ci = await keyWith(tenant, "ci", { spansPerDay: 150 });
    expect((await send(ci.key, batch(100))).status).toBe(200);
    const refused = await send(ci.key, batch(100));
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe("3600");
    expect(refused.body.message).toBe("key 'ci' daily cap of 150 spans reached; it resets at 00:00 UTC");
    const tooLarge = await send(ci.key, batch(151));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.retryAfter).toBeNull();
    expect(tooLarge.body.message).toMatch(/larger than key 'ci''s daily cap of 150 spans/);
    expect((await send(ci.key, batch(50))).status).toBe(200); // exactly up to the cap

    clock.advance(3_600 * SECOND);
    expect((await send(ci.key, batch(150))).status).toBe(200);
  });

  it("applies a changed cap at once in the isolate that changed it, and a removed one no longer limits", async () => {
    const tenant = await signUp();
    await useLimiterClock(tenant, dayStartClock());
    const ci = await keyWith(tenant, "ci", {});
    expect((await send(ci.key, batch(60))).status).toBe(200);
    expect((await keysApi(tenant, "PATCH", `/api/keys/${ci.id}`, { limits: { spansPerDay: 100 } })).status).toBe(200);
    expect((await send(ci.key, batch(60))).status).toBe(429); // 60 already counted today
    expect((await keysApi(tenant, "PATCH", `/api/keys/${ci.id}`, { limits: { spansPerDay: null } })).status).toBe(200);
    expect((await send(ci.key, batch(60))).status).toBe(200);
  });
});

describe("the plan's monthly quota", () => {
  it("answers 429 until the month ends, also after the limiter restarts, and accepts in the next month", async () => {
    const tenant = await signUp();
    await setPlan(tenant, "test-quota");
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);
    expect((await send(tenant.ingestKey, batch(200))).status).toBe(200);
    expect((await send(tenant.ingestKey, batch(100))).status).toBe(200);
    const refused = await send(tenant.ingestKey, batch(1));
    expect(refused.status).toBe(429);
    const nextMonth = new Date(clock.now);
    const resets = Date.UTC(nextMonth.getUTCFullYear(), nextMonth.getUTCMonth() + 1, 1);
    expect(refused.retryAfter).toBe(String((resets - clock.now) / 1000));
    expect(refused.body.message).toBe(`monthly quota of 300 spans of plan test-quota reached; it resets ${new Date(resets).toISOString().slice(0, 10)} 00:00 UTC`);

    // The alarm writes the count; a restarted object (memory gone) still refuses.
    expect(await runDurableObjectAlarm(limiter(tenant))).toBe(true);
    await evictDurableObject(limiter(tenant));
    await useLimiterClock(tenant, clock);
    expect((await send(tenant.ingestKey, batch(1))).status).toBe(429);

    clock.now = resets;
    expect((await send(tenant.ingestKey, batch(300))).status).toBe(200);
  });
});

describe("counts across restarts", () => {
  it("sets an alarm PERSIST_INTERVAL_MS after the first unwritten count, and writes nothing per request", async () => {
    const tenant = await signUp();
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);
    for (let i = 0; i < 5; i++) expect((await send(tenant.ingestKey, batch(10))).status).toBe(200);
    const [alarm, rows] = await runInDurableObject(limiter(tenant), async (_instance, state) => [
      await state.storage.getAlarm(),
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM month_counts").one().n,
    ]);
    expect(alarm).toBe(clock.now + PERSIST_INTERVAL_MS);
    expect(rows).toBe(0);
    expect(await runDurableObjectAlarm(limiter(tenant))).toBe(true);
    const report = await limiter(tenant).report();
    expect(report.monthSpans).toBe(50);
    expect(report.requests).toBe(5);
    expect(report.rowsWritten).toBe(1); // the month's row, the key's day count in it (no refusals): not a row per request or per key
    // Nothing unwritten: no further alarm, so an idle object is evicted with nothing to lose.
    expect(await runInDurableObject(limiter(tenant), (_i, state) => state.storage.getAlarm())).toBeNull();
  });

  it("keeps a key's day count and the month's count through an evicted limiter", async () => {
    const tenant = await signUp();
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);
    const ci = await keyWith(tenant, "ci", { spansPerDay: 100 });
    expect((await send(ci.key, batch(80))).status).toBe(200);
    expect(await runDurableObjectAlarm(limiter(tenant))).toBe(true);
    await evictDurableObject(limiter(tenant));
    await useLimiterClock(tenant, clock);
    expect((await send(ci.key, batch(30))).status).toBe(429);
    expect((await send(ci.key, batch(20))).status).toBe(200);
    const report = await limiter(tenant).report();
    expect(report.monthSpans).toBe(100);
    expect(report.keys).toEqual([{ id: ci.id, daySpans: 100 }]);
    // Its own work this month too (the operators' and the benchmark's cost figures).
    expect(report.requests).toBe(3);
    expect(report.alarms).toBe(1);
    expect(report.rowsWritten).toBe(1); // one alarm, one row: the month's, with the key's day in it
  });
});

describe("counts of several keys", () => {
  it("keeps each key's day count through restarts, also of a key not seen again since the last one", async () => {
    const tenant = await signUp();
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);
    const a = await keyWith(tenant, "a", { spansPerDay: 100 });
    const b = await keyWith(tenant, "b", { spansPerDay: 100 });
    expect((await send(a.key, batch(60))).status).toBe(200);
    expect((await send(b.key, batch(90))).status).toBe(200);
    expect(await runDurableObjectAlarm(limiter(tenant))).toBe(true);
    await evictDurableObject(limiter(tenant));
    await useLimiterClock(tenant, clock);
    // Only a sends: the write after it must carry b's count over, though b was not seen.
    expect((await send(a.key, batch(30))).status).toBe(200);
    expect(await runDurableObjectAlarm(limiter(tenant))).toBe(true);
    await evictDurableObject(limiter(tenant));
    await useLimiterClock(tenant, clock);
    expect((await send(b.key, batch(20))).status).toBe(429);
    expect((await send(a.key, batch(20))).status).toBe(429);
    expect((await send(a.key, batch(10))).status).toBe(200);
    // The next day both start again.
    clock.advance(DAY);
    expect((await send(b.key, batch(100))).status).toBe(200);
  });
});

describe("refusals by reason", () => {
  it("counts invalid spans, spans over a rate and over a quota, and the refused bytes, per day — before and after they are written", async () => {
    const tenant = await signUp();
    await setPlan(tenant, "test-rate");
    const clock = dayStartClock();
    await useLimiterClock(tenant, clock);
    const ci = await keyWith(tenant, "ci", { spansPerDay: 250 });
    const day = new Date(clock.now).toISOString().slice(0, 10);

    const invalid = requestOf([...spansOf(traceIdOf(90_001), 3), ...spansOf("zz", 2)]);
    const partial = await send(ci.key, invalid);
    expect(partial.status).toBe(200);
    expect(partial.body.partialSuccess?.rejectedSpans).toBe("2");

    expect((await send(ci.key, batch(197))).status).toBe(200); // with the 3 valid ones: the whole burst
    const overRate = batch(40);
    expect((await send(ci.key, overRate)).status).toBe(429);
    clock.advance(10 * SECOND);
    expect((await send(ci.key, batch(50))).status).toBe(200); // 250: the key's day is full
    const overQuota = batch(7);
    expect((await send(ci.key, overQuota)).status).toBe(429);

    const bytes = JSON.stringify(overRate).length + JSON.stringify(overQuota).length;
    const expected = [{ day, spansInvalid: 2, spansOverLimit: 40, spansOverQuota: 7, bytesRejected: bytes }];
    expect(await rejectedUsage(env, configOf(tenant), day, day)).toEqual(expected);
    expect(await runDurableObjectAlarm(limiter(tenant))).toBe(true);
    await evictDurableObject(limiter(tenant));
    expect(await rejectedUsage(env, configOf(tenant), day, day)).toEqual(expected);
    expect(await rejectedUsage(env, configOf(tenant), "2000-01-01", "2000-12-31")).toEqual([]);
  });
});

describe("the key caps API", () => {
  it("creates a key with caps, lists them, changes one, and removes them with null", async () => {
    const tenant = await signUp();
    const created = await keysApi(tenant, "POST", "/api/keys", { name: "ci", scopes: ["ingest"], limits: { spansPerSecond: 500, spansPerDay: 1_000_000 } });
    expect(created.status).toBe(201);
    const { id, limits } = (await created.json()) as { id: string; limits: unknown };
    expect(limits).toEqual({ spansPerSecond: 500, spansPerDay: 1_000_000 });

    const changed = await keysApi(tenant, "PATCH", `/api/keys/${id}`, { limits: { spansPerDay: 5_000 } });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { limits: unknown }).limits).toEqual({ spansPerSecond: 500, spansPerDay: 5_000 });
    const listed = (await (await keysApi(tenant, "GET", "/api/keys")).json()) as { keys: Array<{ id: string; limits: unknown }> };
    expect(listed.keys.find((k) => k.id === id)?.limits).toEqual({ spansPerSecond: 500, spansPerDay: 5_000 });
    // Keys made without caps list null caps.
    expect(listed.keys.find((k) => k.id !== id)?.limits).toEqual({ spansPerSecond: null, spansPerDay: null });

    const cleared = await keysApi(tenant, "PATCH", `/api/keys/${id}`, { limits: { spansPerSecond: null } });
    expect(((await cleared.json()) as { limits: unknown }).limits).toEqual({ spansPerSecond: null, spansPerDay: 5_000 });
    const none = await keysApi(tenant, "PATCH", `/api/keys/${id}`, { limits: null });
    expect(((await none.json()) as { limits: unknown }).limits).toEqual({ spansPerSecond: null, spansPerDay: null });
  });

  it.each([
    [{ limits: { spansPerSecond: 0 } }, "limits.spansPerSecond", /whole number from 1 to/],
    [{ limits: { spansPerSecond: 1.5 } }, "limits.spansPerSecond", /whole number/],
    [{ limits: { spansPerDay: "1000" } }, "limits.spansPerDay", /whole number/],
    [{ limits: { spansPerDay: 1e13 } }, "limits.spansPerDay", /from 1 to 1000000000000/],
    [{ limits: { spansPerMinute: 5 } }, "limits.spansPerMinute", /no field "spansPerMinute"/],
    [{ limits: [100] }, "limits", /must be an object/],
  ])("refuses caps %j with a 400 naming the field", async (extra, field, message) => {
    const tenant = await signUp();
    const response = await keysApi(tenant, "POST", "/api/keys", { name: "x", scopes: ["ingest"], ...extra });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { field: string; message: string } };
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("refuses a PATCH without limits or with other fields, and answers 404 for another tenant's key", async () => {
    const [tenant, other] = [await signUp(), await signUp()];
    const { id } = await keyWith(tenant, "ci", {});
    expect((await keysApi(tenant, "PATCH", `/api/keys/${id}`, {})).status).toBe(400);
    const renamed = await keysApi(tenant, "PATCH", `/api/keys/${id}`, { name: "new", limits: {} });
    expect(renamed.status).toBe(400);
    expect(((await renamed.json()) as { error: { field: string } }).error.field).toBe("name");
    expect((await keysApi(tenant, "PATCH", `/api/keys/${id}`, { limits: { spansPerDay: 0 } })).status).toBe(400);
    expect((await keysApi(other, "PATCH", `/api/keys/${id}`, { limits: { spansPerDay: 10 } })).status).toBe(404);
    expect((await keysApi(tenant, "PATCH", "/api/keys/key_nope", { limits: {} })).status).toBe(404);
  });
});

describe("account deletion", () => {
  it("erases the tenant's limiter counts with the account", async () => {
    const tenant = await signUp();
    await useLimiterClock(tenant, dayStartClock());
    expect((await send(tenant.ingestKey, batch(5))).status).toBe(200);
    expect(await runDurableObjectAlarm(limiter(tenant))).toBe(true);
    const deleted = await call("/api/account", { method: "DELETE", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify({ password: tenant.password }) });
    expect(deleted.status).toBe(202);
    const tables = await runInDurableObject(limiter(tenant), (_instance, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables).toEqual([]);
  });
});

describe("operator routes", () => {
  it("refuses an unknown plan and a missing tenant, and reports what the limiter counted", async () => {
    const tenant = await signUp();
    const admin = { "content-type": "application/json", authorization: "Bearer workers-test-admin-token" };
    const bad = await call(`/admin/tenants/${tenant.tenantId}/plan`, { method: "PUT", headers: admin, body: JSON.stringify({ plan: "platinum" }) });
    expect(bad.status).toBe(400);
    const missing = await call("/admin/tenants/ten_nope/plan", { method: "PUT", headers: admin, body: JSON.stringify({ plan: "team" }) });
    expect(missing.status).toBe(404);
    expect((await call(`/admin/tenants/${tenant.tenantId}/plan`, { method: "PUT", headers: { ...admin, authorization: "Bearer wrong" }, body: "{}" })).status).toBe(401);
    await setPlan(tenant, "team");
    expect((await send(tenant.ingestKey, batch(5))).status).toBe(200);
    const report = (await (await call(`/admin/tenants/${tenant.tenantId}/limits`, { headers: admin })).json()) as { plan: { name: string }; limiter: { monthSpans: number } };
    expect(report.plan.name).toBe("team");
    expect(report.limiter.monthSpans).toBe(5);
  });
});
