/**
 * A trace shard's life over driven time (no sleeps): segments of busy traces, the flush floor and
 * compaction keeping blocks per hour bounded, retention deleting exactly what expired, archive,
 * and usage that survives restarts.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import type { TraceShard } from "../../durable-objects/trace-shard";
import { describe, expect, it } from "vitest";
import { EARLY_BLOCKS } from "../../durable-objects/shard/compaction";
import { call, FUTURE, getJson, ingest, r2Keys, requestOf, settle, shard, shardSql, signUp, spansOf, TestClock, traceIdOf, traceSpanIds, useClock, type Tenant } from "./helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const hourStart = () => FUTURE;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function liveBlocks(tenant: Tenant) {
  return shardSql<{ key: string; level: number; created: number; spans: number; raw_bytes: number; bytes: number }>(
    shard(tenant),
    "SELECT key, level, created, spans, raw_bytes, bytes FROM blocks WHERE state = 1 ORDER BY created, id",
  );
}

async function setRetention(tenant: Tenant, days: number) {
  const response = await call("/api/settings", { method: "PUT", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify({ retentionDays: days }) });
  expect(response.status).toBe(200);
}

describe("segments and the flush floor", () => {
  it("writes a trace that keeps receiving spans as one new segment per flush, never rewriting what is stored", async () => {
    const tenant = await signUp();
    const stub = shard(tenant);
    const clock = new TestClock(hourStart() + MINUTE);
    await useClock(stub, clock);
    const traceId = traceIdOf(42);
    let sentSpans = 0;
    // 55 minutes of a batch every 5 s: the trace is never quiet for the 10 s a flush waits for.
    for (let step = 0; step < 660; step++) {
      await ingest(tenant, requestOf(spansOf(traceId, 10, { bulk: 200 })));
      sentSpans += 10;
      clock.advance(5_000);
      await settle(stub);
    }
    const blocks = await liveBlocks(tenant);
    // A segment at most every 5 minutes (a trace open that long is written anyway)…
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    expect(blocks.every((b) => b.level === 0)).toBe(true);
    // …each holding only the spans that arrived since the one before: flat, not growing.
    const full = blocks.slice(0, -1).map((b) => b.spans);
    expect(Math.max(...full) / Math.min(...full)).toBeLessThan(1.25);
    expect(Math.max(...blocks.map((b) => b.raw_bytes))).toBeLessThan(2 * (blocks[0]?.raw_bytes ?? 0));
    // Every span written once: the blocks hold what was sent, minus what is still pending.
    const [pending] = await shardSql<{ spans: number }>(stub, "SELECT coalesce(sum(spans), 0) AS spans FROM pending_rows WHERE slot NOT IN (SELECT value ->> 0 FROM json_each((SELECT value FROM meta WHERE key = 'free')))");
    expect(blocks.reduce((n, b) => n + b.spans, 0) + (pending?.spans ?? 0)).toBe(sentSpans);
    expect((await traceSpanIds(tenant, traceId))?.size).toBe(sentSpans);
  });

  it("keeps a trickle of small requests to a bounded number of blocks per tenant-hour", async () => {
    const tenant = await signUp();
    const stub = shard(tenant);
    const start = hourStart();
    const clock = new TestClock(start);
    await useClock(stub, clock);
    let trace = 0;
    let maxLevelZero = 0;
    // 100-span requests every 4 s (5 traces each) for 65 minutes.
    for (let at = 0; at < 65 * MINUTE; at += 4_000) {
      const spans = Array.from({ length: 5 }, () => spansOf(traceIdOf(10_000 + trace++), 20)).flat();
      expect((await ingest(tenant, requestOf(spans))).status).toBe(200);
      clock.advance(4_000);
      await settle(stub);
      maxLevelZero = Math.max(maxLevelZero, (await liveBlocks(tenant)).filter((b) => b.level === 0 && b.created < start + HOUR).length);
    }
    // The flush floor: a block at most every TRACE_BLOCK_WAIT_SECONDS (30 s), not one per request;
    // early compaction keeps an open hour under EARLY_BLOCKS + 1 level-0 blocks.
    expect(maxLevelZero).toBeLessThanOrEqual(EARLY_BLOCKS + 1);
    clock.advance(10 * MINUTE);
    await settle(stub);
    const firstHour = (await liveBlocks(tenant)).filter((b) => b.created < start + HOUR);
    expect(firstHour).toHaveLength(1);
    expect(firstHour[0]?.level).toBe(1);
    // Every trace still reads back whole, from the compacted block.
    for (const n of [0, 1, 500, trace - 1]) expect((await traceSpanIds(tenant, traceIdOf(10_000 + n)))?.size).toBe(20);
    // Replaced blocks are deleted from R2 once their grace period is over: R2 holds the live blocks only.
    clock.advance(10 * MINUTE);
    await settle(stub);
    const keys = await r2Keys(`${tenant.tenantId}/`);
    expect(keys.sort()).toEqual((await liveBlocks(tenant)).map((b) => b.key).sort());
  });
});

describe("retention", () => {
  it("deletes exactly the blocks that expired — index entries, R2 objects and all — and no route returns them", async () => {
    const tenant = await signUp();
    const stub = shard(tenant);
    const t0 = hourStart() + 5 * MINUTE;
    const clock = new TestClock(t0);
    await useClock(stub, clock);
    await setRetention(tenant, 1);
    const old = Array.from({ length: 10 }, (_, i) => traceIdOf(20_000 + i));
    const young = Array.from({ length: 10 }, (_, i) => traceIdOf(30_000 + i));
    await ingest(tenant, requestOf(old.flatMap((id) => spansOf(id, 5)), "retention"));
    clock.advance(2 * MINUTE);
    await settle(stub);
    clock.advance(12 * HOUR);
    await ingest(tenant, requestOf(young.flatMap((id) => spansOf(id, 5)), "retention"));
    clock.advance(2 * MINUTE);
    await settle(stub);
    const before = await liveBlocks(tenant);
    expect(before).toHaveLength(2);
    const archived = old[3] as string;
    expect((await call(`/api/archive/${archived}`, { method: "POST", headers: { authorization: `Bearer ${tenant.readKey}` } })).status).toBe(200);

    // One minute past the old block's expiry, before any deletion ran: reads already exclude it.
    clock.now = (before[0]?.created ?? 0) + DAY + MINUTE;
    expect(await traceSpanIds(tenant, old[0] as string)).toBeNull();
    expect((await traceSpanIds(tenant, young[0] as string))?.size).toBe(5);

    await settle(stub);
    // Only the young block is left (compaction may have rewritten it: same data, same creation time).
    const after = await liveBlocks(tenant);
    expect(after.map((b) => b.created)).toEqual([before[1]?.created]);
    expect(await r2Keys(`${tenant.tenantId}/`)).not.toContain(before[0]?.key);
    for (const id of old) {
      if (id === archived) expect((await traceSpanIds(tenant, id))?.size).toBe(5);
      else expect(await traceSpanIds(tenant, id)).toBeNull();
    }
    for (const id of young) expect((await traceSpanIds(tenant, id))?.size).toBe(5);
    // Search sees only what is kept; the expired block's id index entries are gone too.
    const search = await getJson<{ data: Array<{ traceID: string }> }>(tenant, `/api/traces?service=retention&start=0&end=${(clock.now + HOUR) * 1000}&limit=100`);
    expect(new Set(search.body.data.map((t) => t.traceID))).toEqual(new Set(young));
    // Once replaced blocks' grace period is over, R2 holds exactly the live blocks and the archive.
    clock.advance(10 * MINUTE);
    await settle(stub);
    const liveKeys = (await liveBlocks(tenant)).map((b) => b.key);
    expect((await r2Keys(`${tenant.tenantId}/`)).filter((k) => !k.includes("/archive/")).sort()).toEqual(liveKeys.sort());

    // Releasing the archived trace deletes its copy: it is gone with its expired block.
    expect((await call(`/api/archive/${archived}`, { method: "DELETE", headers: { authorization: `Bearer ${tenant.readKey}` } })).status).toBe(204);
    await settle(stub);
    expect(await traceSpanIds(tenant, archived)).toBeNull();
    expect((await r2Keys(`${tenant.tenantId}/`)).filter((k) => k.includes("/archive/"))).toEqual([]);
  });
});

describe("restarts", () => {
  it("never reopens a flushed trace: traces split over concurrent requests are pending again after a restart only if unflushed", async () => {
    const tenant = await signUp();
    let stub = shard(tenant);
    const clock = new TestClock();
    await useClock(stub, clock);
    let next = 0;
    // 8 concurrent requests at a time (group commit packs them), each holding the end of one
    // trace and the start of the next: rows whose traces are flushed at different times.
    for (let round = 0; round < 30; round++) {
      await Promise.all(Array.from({ length: 8 }, (_, k) => ingest(tenant, requestOf([...spansOf(traceIdOf(next + k), 5), ...spansOf(traceIdOf(next + k + 1), 5)]))));
      next += 8;
      clock.advance(7_000);
      await settle(stub);
    }
    clock.advance(5 * MINUTE);
    await settle(stub);
    const pendingState = () =>
      runInDurableObject(stub, (instance: TraceShard) => ({ open: instance.store.pending.open.size, liveRows: instance.store.pending.rowCount }));
    expect(await pendingState()).toEqual({ open: 0, liveRows: 0 });
    const blocks = (await liveBlocks(tenant)).length;
    await evictDurableObject(stub);
    stub = shard(tenant);
    await useClock(stub, clock);
    expect(await pendingState()).toEqual({ open: 0, liveRows: 0 });
    clock.advance(5 * MINUTE);
    await settle(stub);
    expect((await liveBlocks(tenant)).length).toBeLessThanOrEqual(blocks);
    for (const n of [0, 7, next]) expect((await traceSpanIds(tenant, traceIdOf(n)))?.size).toBe(n === 0 || n === next ? 5 : 10);
  });
});

describe("usage", () => {
  it("keeps per-day totals across restarts, for flushed and still-pending spans alike", async () => {
    const tenant = await signUp();
    const stub = shard(tenant);
    const clock = new TestClock();
    await useClock(stub, clock);
    await ingest(tenant, requestOf(spansOf(traceIdOf(40_000), 30)));
    clock.advance(5 * MINUTE);
    await settle(stub);
    await ingest(tenant, requestOf(spansOf(traceIdOf(40_001), 12)));
    await evictDurableObject(stub);
    const { body } = await getJson<{ usage: { spansAppended: number }; days: Array<{ day: string; spansAppended: number; appends: number; flushes: number; r2Puts: number }> }>(tenant, `/api/usage?from=${day(clock.now - DAY)}&to=${day(clock.now + DAY)}`);
    // The restarted object counted nothing since it started…
    expect(body.usage.spansAppended).toBe(0);
    // …but the day's totals hold both requests.
    const total = body.days.reduce((n, d) => n + d.spansAppended, 0);
    expect(total).toBe(42);
    expect(body.days.reduce((n, d) => n + d.appends, 0)).toBe(2);
    expect(body.days.reduce((n, d) => n + d.flushes, 0)).toBeGreaterThanOrEqual(1);
  });
});
