/**
 * A tenant's storage over its life: giving it more (or fewer) shards never hides a stored trace,
 * and deleting the account leaves nothing behind — not in R2, not in its Durable Objects, not in D1.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardOf } from "../../worker/storage/shard-routing";
import { call, getJson, ingest, r2Keys, requestOf, settle, shard, signUp, spansOf, TestClock, traceIdOf, traceSpanIds, useClock, type Tenant } from "./helpers";

const MINUTE = 60_000;

async function setShards(tenant: Tenant, shards: number) {
  const response = await call(`/admin/tenants/${tenant.tenantId}/shards`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: "Bearer workers-test-admin-token" },
    body: JSON.stringify({ shards }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { shardCounts: number[] };
}

/** Every shard object the tenant may have, with one driven clock. */
async function clockAll(tenant: Tenant, clock: TestClock, shards: number) {
  for (let n = 0; n < shards; n++) await useClock(shard(tenant, n), clock);
}

describe("shard count changes", () => {
  it("keeps every trace findable by id and by search, stored or open, whatever counts it had", async () => {
    const tenant = await signUp();
    const clock = new TestClock();
    await clockAll(tenant, clock, 6);
    const traces = Array.from({ length: 60 }, (_, i) => traceIdOf(500 + i));
    const expected = new Map(traces.map((id) => [id, 0]));
    const send = async (ids: string[], spans: number) => {
      expect((await ingest(tenant, requestOf(ids.flatMap((id) => spansOf(id, spans)), "resharded"))).status).toBe(200);
      for (const id of ids) expected.set(id, (expected.get(id) ?? 0) + spans);
    };
    // Under one shard: half stored in R2, half still open.
    await send(traces.slice(0, 30), 3);
    clock.advance(2 * MINUTE);
    await settle(shard(tenant, 0));
    await send(traces.slice(30), 3);

    expect((await setShards(tenant, 4)).shardCounts).toEqual([1, 4]);
    // Late spans for every trace now go to its shard under 4 — most of them another object.
    expect(traces.filter((id) => shardOf(tenant.tenantId, id, 4) !== 0).length).toBeGreaterThan(20);
    await send(traces, 2);
    clock.advance(2 * MINUTE);
    for (let n = 0; n < 4; n++) await settle(shard(tenant, n));

    expect((await setShards(tenant, 2)).shardCounts).toEqual([1, 4, 2]);
    await send(traces.slice(0, 10), 1);

    for (const id of traces) expect((await traceSpanIds(tenant, id))?.size, id).toBe(expected.get(id));
    const search = await getJson<{ data: Array<{ traceID: string; spans: unknown[] }> }>(tenant, `/api/traces?service=resharded&start=0&end=${(clock.now + 3_600_000) * 1000}&limit=100`);
    expect(new Set(search.body.data.map((t) => t.traceID))).toEqual(new Set(traces));
    for (const trace of search.body.data) expect(trace.spans).toHaveLength(expected.get(trace.traceID) as number);
  });
});

describe("account deletion", () => {
  it("leaves nothing in R2, Durable Object storage or D1, and stops its keys and logins at once", async () => {
    const tenant = await signUp();
    const other = await signUp();
    const clock = new TestClock();
    await clockAll(tenant, clock, 1);
    await ingest(tenant, requestOf(Array.from({ length: 5 }, (_, i) => spansOf(traceIdOf(900 + i), 4)).flat()));
    await ingest(other, requestOf(spansOf(traceIdOf(900), 4)));
    clock.advance(2 * MINUTE);
    await settle(shard(tenant));
    expect((await call(`/api/archive/${traceIdOf(901)}`, { method: "POST", headers: { authorization: `Bearer ${tenant.readKey}` } })).status).toBe(200);
    await ingest(tenant, requestOf(spansOf(traceIdOf(999), 2)));
    expect((await r2Keys(`${tenant.tenantId}/`)).length).toBeGreaterThanOrEqual(2);

    const wrong = await call("/api/account", { method: "DELETE", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify({ password: "not the password" }) });
    expect(wrong.status).toBe(403);
    const deleted = await call("/api/account", { method: "DELETE", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify({ password: tenant.password }) });
    expect(deleted.status).toBe(202);

    // At once: its keys and its session no longer work.
    expect((await ingest(tenant, requestOf(spansOf(traceIdOf(998), 1)))).status).toBe(401);
    expect((await getJson(tenant, `/api/traces/${traceIdOf(900)}`)).status).toBe(401);
    expect((await call("/api/me", { headers: { cookie: tenant.cookie } })).status).toBe(401);

    // The shard finishes erasing in its alarm.
    await settle(shard(tenant));
    expect(await r2Keys(`${tenant.tenantId}/`)).toEqual([]);
    const tables = await runInDurableObject(shard(tenant), (_i, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'").toArray(),
    );
    for (const { name } of tables) {
      const [count] = await runInDurableObject(shard(tenant), (_i, state) => state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).toArray());
      expect(count?.n, name).toBe(0);
    }
    for (const table of ["memberships", "api_keys", "sessions", "invites", "audit_events"]) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenant.tenantId).first<{ n: number }>();
      expect(row?.n, table).toBe(0);
    }
    // Its only user belonged nowhere else: the login is gone too.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE id = ?").bind(tenant.userId).first<{ n: number }>()).toEqual({ n: 0 });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM tenants WHERE id = ?").bind(tenant.tenantId).first<{ n: number }>()).toEqual({ n: 1 - 1 });
    // A stale credential cannot revive the object.
    const revived = await shard(tenant)
      .append({ tenantId: tenant.tenantId, retentionDays: 30, shards: 2 }, { chunks: [], spanCount: 0 })
      .then(
        () => "accepted",
        (error: unknown) => String(error),
      );
    expect(revived).toMatch(/TenantGone/);
    // The other tenant is untouched.
    expect((await traceSpanIds(other, traceIdOf(900)))?.size).toBe(4);
  });
});
