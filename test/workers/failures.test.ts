/**
 * Failures and crashes: a flush that keeps failing backs off without leaking R2 objects and
 * without holding back another tenant; an object killed mid-compaction or mid-retention loses
 * nothing unexpired; an object with pending rows always has an alarm.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TraceShard } from "../../durable-objects/trace-shard";
import { call, ingest, r2Keys, requestOf, settle, shard, shardSql, signUp, spansOf, TestClock, traceIdOf, traceSpanIds, useClock, type Tenant } from "./helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type BucketOverrides = Partial<Pick<R2Bucket, "put" | "delete">>;

/** Replaces some of a shard's R2 calls (the real bucket is passed to the override). */
async function wrapBucket(stub: DurableObjectStub<TraceShard>, make: (real: R2Bucket, state: DurableObjectState) => BucketOverrides): Promise<void> {
  await runInDurableObject(stub, (instance: TraceShard, state) => {
    const real = instance.store.bucket;
    const overrides = make(real, state);
    instance.store.bucket = new Proxy(real, {
      get(target, property) {
        if (property in overrides) return overrides[property as keyof BucketOverrides];
        const value = Reflect.get(target, property) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  });
}

async function liveBlocks(tenant: Tenant) {
  return shardSql<{ id: number; key: string; level: number; created: number }>(shard(tenant), "SELECT id, key, level, created FROM blocks WHERE state = 1 ORDER BY created, id");
}

async function alarmOf(stub: DurableObjectStub<TraceShard>): Promise<number | null> {
  return runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
}

describe("a failing flush", () => {
  it("backs off without leaving an object in R2 per retry, keeps its alarm, and never delays another tenant", async () => {
    const [sick, healthy] = [await signUp(), await signUp()];
    const clock = new TestClock();
    await useClock(shard(sick), clock);
    await useClock(shard(healthy), clock);
    let attempts = 0;
    // The PUT lands, then reports failure: the worst case for leaks.
    await wrapBucket(shard(sick), (real) => ({
      put: (async (key: string, value: ArrayBuffer) => {
        attempts++;
        await real.put(key, value);
        throw new Error("injected: R2 unavailable");
      }) as R2Bucket["put"],
    }));
    for (const tenant of [sick, healthy]) await ingest(tenant, requestOf(spansOf(traceIdOf(1), 8)));
    for (let i = 0; i < 8; i++) {
      clock.advance(2 * MINUTE);
      await settle(shard(sick));
      await settle(shard(healthy));
      // Retrying, never stranded: the sick shard always has its next alarm set.
      expect(await alarmOf(shard(sick))).not.toBeNull();
    }
    expect(attempts).toBeGreaterThanOrEqual(3);
    // Every attempt's object was deleted again: no orphans, however many retries.
    expect(await r2Keys(`${sick.tenantId}/`)).toEqual([]);
    expect(await liveBlocks(sick)).toEqual([]);
    // The other tenant flushed on time, untouched.
    expect(await liveBlocks(healthy)).toHaveLength(1);
    // Spans stay readable throughout, and flush once R2 is back.
    expect((await traceSpanIds(sick, traceIdOf(1)))?.size).toBe(8);
    await evictDurableObject(shard(sick)); // a restart also drops the injected failure
    await useClock(shard(sick), clock);
    clock.advance(10 * MINUTE);
    await settle(shard(sick));
    expect(await liveBlocks(sick)).toHaveLength(1);
    expect((await r2Keys(`${sick.tenantId}/`)).sort()).toEqual((await liveBlocks(sick)).map((b) => b.key).sort());
    expect((await traceSpanIds(sick, traceIdOf(1)))?.size).toBe(8);
  });

  it("gives an object with pending rows its alarm back when it restarts", async () => {
    const tenant = await signUp();
    const stub = shard(tenant);
    await useClock(stub, new TestClock());
    await ingest(tenant, requestOf(spansOf(traceIdOf(2), 3)));
    await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm());
    expect(await alarmOf(stub)).toBeNull();
    await evictDurableObject(stub);
    expect(await alarmOf(stub)).not.toBeNull();
  });
});

describe("a crash", () => {
  it("during compaction, after its output is written but before it is swapped in, loses nothing", async () => {
    const tenant = await signUp();
    let stub = shard(tenant);
    const clock = new TestClock();
    await useClock(stub, clock);
    const traces = Array.from({ length: 40 }, (_, i) => traceIdOf(100 + i));
    // Four level-0 blocks in one window, and a late segment for one trace.
    for (let b = 0; b < 4; b++) {
      await ingest(tenant, requestOf(traces.slice(b * 10, b * 10 + 10).flatMap((id) => spansOf(id, 4))));
      clock.advance(2 * MINUTE);
      await settle(stub);
    }
    await ingest(tenant, requestOf(spansOf(traces[0] as string, 2)));
    clock.advance(2 * MINUTE);
    await settle(stub);
    const inputs = await liveBlocks(tenant);
    expect(inputs).toHaveLength(5);

    // Kill the object the moment compaction's output lands in R2.
    await wrapBucket(stub, (real, state) => ({
      put: (async (key: string, value: ArrayBuffer) => {
        const result = await real.put(key, value);
        if (/-1-/.test(key)) state.abort("injected crash after compaction output");
        return result;
      }) as R2Bucket["put"],
    }));
    clock.advance(HOUR);
    await expect(settle(stub)).rejects.toThrow(/injected crash/);
    // A new instance, after the crash: same storage, nothing of the old one's memory.
    stub = shard(tenant);
    await useClock(stub, clock);
    // The inputs are still the live blocks; the orphaned output is named garbage, not leaked.
    expect((await liveBlocks(tenant)).map((b) => b.key)).toEqual(inputs.map((b) => b.key));
    for (const id of traces) expect((await traceSpanIds(tenant, id))?.size).toBe(id === traces[0] ? 6 : 4);

    // Compaction reruns and completes; everything still reads back; R2 holds only live blocks.
    clock.advance(MINUTE);
    await settle(stub);
    clock.advance(10 * MINUTE);
    await settle(stub);
    const after = await liveBlocks(tenant);
    expect(after).toHaveLength(1);
    expect(after[0]?.level).toBe(1);
    for (const id of traces) expect((await traceSpanIds(tenant, id))?.size).toBe(id === traces[0] ? 6 : 4);
    expect((await r2Keys(`${tenant.tenantId}/`)).sort()).toEqual(after.map((b) => b.key));
  });

  it("during retention, between the index update and the R2 deletes, loses nothing unexpired", async () => {
    const tenant = await signUp();
    let stub = shard(tenant);
    const clock = new TestClock();
    await useClock(stub, clock);
    await call("/api/settings", { method: "PUT", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify({ retentionDays: 1 }) });
    const old = Array.from({ length: 5 }, (_, i) => traceIdOf(200 + i));
    const young = Array.from({ length: 5 }, (_, i) => traceIdOf(300 + i));
    await ingest(tenant, requestOf(old.flatMap((id) => spansOf(id, 3))));
    clock.advance(2 * MINUTE);
    await settle(stub);
    clock.advance(20 * HOUR);
    await ingest(tenant, requestOf(young.flatMap((id) => spansOf(id, 3))));
    clock.advance(2 * MINUTE);
    await settle(stub);
    const [expiring, kept] = await liveBlocks(tenant);

    await wrapBucket(stub, (_real, state) => ({
      delete: (async () => {
        state.abort("injected crash during retention");
      }) as R2Bucket["delete"],
    }));
    clock.advance(5 * HOUR);
    await expect(settle(stub)).rejects.toThrow(/injected crash/);
    stub = shard(tenant);
    await useClock(stub, clock);
    // Whether or not the crash kept the retention pass's index changes, reads exclude what expired
    // and keep everything else; the next pass finishes the deletion.
    for (const id of young) expect((await traceSpanIds(tenant, id))?.size).toBe(3);
    for (const id of old) expect(await traceSpanIds(tenant, id)).toBeNull();
    await settle(stub);
    clock.advance(10 * MINUTE);
    await settle(stub);
    // What is left: the young block alone (perhaps rewritten by compaction, same creation time),
    // and nothing else in R2 — the expired object was deleted after the restart.
    const left = await shardSql<{ key: string; created: number }>(stub, "SELECT key, created FROM blocks WHERE state = 1");
    expect(left.map((b) => b.created)).toEqual([kept?.created]);
    expect(await r2Keys(`${tenant.tenantId}/`)).toEqual(left.map((b) => b.key));
    expect(await r2Keys(`${tenant.tenantId}/`)).not.toContain(expiring?.key);
  });
});
