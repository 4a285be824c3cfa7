/**
 * Production's row limit, where local workerd does not enforce it: a Collector-sized batch (8,192
 * spans, over 5 MB) is accepted and read back whole, and every row the shard stored stays under
 * 2,000,000 bytes (the storage guard would have failed the request otherwise; these tests also
 * measure the rows directly).
 */
import { describe, expect, it } from "vitest";
import { SQL_LIMITS } from "../../worker/storage/sql-guard";
import { MAX_TRACE_BYTES } from "../../worker/storage/shard-protocol";
import { encodeProtobuf } from "../support/otlp-builders";
import { getJson, ingest, ingestJson, requestOf, runAlarm, shard, shardSql, signUp, spansOf, TestClock, traceIdOf, traceSpanIds, useClock } from "./helpers";

async function largestRow(tenantId: string): Promise<number> {
  const [pending] = await shardSql<{ size: number | null }>(shard(tenantId), "SELECT max(length(body) + length(slices)) AS size FROM pending_rows");
  const [blocks] = await shardSql<{ size: number | null }>(
    shard(tenantId),
    "SELECT max(length(key) + coalesce(length(services), 0) + coalesce(length(operations), 0) + coalesce(length(block_terms), 0)) AS size FROM blocks",
  );
  const [ids] = await shardSql<{ size: number | null }>(shard(tenantId), "SELECT max(length(entries)) AS size FROM id_chunks");
  return Math.max(pending?.size ?? 0, blocks?.size ?? 0, ids?.size ?? 0);
}

describe("production row limits", () => {
  it("accepts a Collector-sized batch of one trace (8,192 spans, over 5 MB) and reads it back whole", async () => {
    const tenant = await signUp();
    const traceId = traceIdOf(1);
    const spans = spansOf(traceId, 8_192, { bulk: 560 });
    const body = encodeProtobuf(requestOf(spans));
    expect(body.byteLength).toBeGreaterThan(5_000_000);

    const clock = new TestClock();
    await useClock(shard(tenant), clock);
    const { status } = await ingest(tenant, body);
    expect(status).toBe(200);
    expect(await largestRow(tenant.tenantId)).toBeLessThan(SQL_LIMITS.rowBytes);
    expect((await traceSpanIds(tenant, traceId))?.size).toBe(8_192);

    // And once flushed to R2 (driven past the quiet period and the flush floor's wait).
    clock.advance(10 * 60_000);
    expect(await runAlarm(shard(tenant))).toBe(true);
    const [open] = await shardSql<{ n: number }>(shard(tenant), "SELECT count(*) AS n FROM blocks WHERE state = 1");
    expect(open?.n).toBe(1);
    expect(await largestRow(tenant.tenantId)).toBeLessThan(SQL_LIMITS.rowBytes);
    expect((await traceSpanIds(tenant, traceId))?.size).toBe(8_192);
  });

  it("accepts a Collector-sized batch spread over many traces", async () => {
    const tenant = await signUp();
    const spans = Array.from({ length: 256 }, (_, t) => spansOf(traceIdOf(1000 + t), 32, { bulk: 600 })).flat();
    const body = encodeProtobuf(requestOf(spans));
    expect(body.byteLength).toBeGreaterThan(5_000_000);
    expect((await ingest(tenant, body)).status).toBe(200);
    expect(await largestRow(tenant.tenantId)).toBeLessThan(SQL_LIMITS.rowBytes);
    for (const t of [0, 77, 255]) expect((await traceSpanIds(tenant, traceIdOf(1000 + t)))?.size).toBe(32);
  });

  it("flushes 2,000 distinct 1 KB operation names in one block, listing them without a row over the limit", async () => {
    const tenant = await signUp();
    const clock = new TestClock();
    await useClock(shard(tenant), clock);
    const names = (i: number) => `${String(i).padStart(5, "0")}-${"n".repeat(1_018)}`;
    const spans = Array.from({ length: 2_000 }, (_, i) => spansOf(traceIdOf(5000 + i), 1, { name: () => names(i) })).flat();
    expect((await ingest(tenant, encodeProtobuf(requestOf(spans, "many-ops")))).status).toBe(200);
    clock.advance(10 * 60_000);
    expect(await runAlarm(shard(tenant))).toBe(true);
    const [blocks] = await shardSql<{ n: number; ops: number }>(shard(tenant), "SELECT count(*) AS n, sum(operations IS NULL) AS ops FROM blocks WHERE state = 1");
    // The manifest's operation list was too long to keep: left null ("may hold anything"), never a failed flush.
    expect(blocks).toEqual({ n: 1, ops: 1 });
    expect(await largestRow(tenant.tenantId)).toBeLessThan(SQL_LIMITS.rowBytes);
    const { body } = await getJson<{ data: string[] }>(tenant, "/api/services/many-ops/operations");
    expect(body.data).toHaveLength(2_000);
    // Search by one of those names still finds its trace (the block is not pruned by its null list).
    const found = await getJson<{ data: Array<{ traceID: string }> }>(tenant, `/api/traces?service=many-ops&operation=${encodeURIComponent(names(1234))}&lookback=custom&start=0&end=${(Date.now() + 3_600_000) * 1000}`);
    expect(found.body.data.map((t) => t.traceID)).toEqual([traceIdOf(6234)]);
  });

  it("refuses spans past a trace's size cap through partial success, and keeps the trace readable", async () => {
    const tenant = await signUp();
    const traceId = traceIdOf(77);
    // Four requests of ~4.5 MB to one trace (OTLP/JSON bodies stop at 6 MiB): the fourth passes
    // the 16 MiB cap part way.
    for (let i = 0; i < 3; i++) expect((await ingestJson(tenant, requestOf(spansOf(traceId, 500, { bulk: 9_000 })))).body).toEqual({});
    const answer = await ingestJson(tenant, requestOf(spansOf(traceId, 500, { bulk: 9_000 })));
    expect(answer.status).toBe(200);
    const partial = answer.body.partialSuccess as { rejectedSpans: string | number; errorMessage: string };
    expect(Number(partial.rejectedSpans)).toBeGreaterThan(0);
    expect(partial.errorMessage).toMatch(/size limit/);
    const stored = await traceSpanIds(tenant, traceId);
    expect(stored?.size).toBe(2_000 - Number(partial.rejectedSpans));
    expect((stored?.size ?? 0) * 9_000).toBeLessThanOrEqual(MAX_TRACE_BYTES);
  });
});
