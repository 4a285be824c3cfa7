import { describe, expect, it } from "vitest";
import type { GuardedSql } from "../../worker/storage/sql-guard";
import { KEEP_ALL, type TailPolicy } from "../../worker/sampling/tail-policy";
import { inShare, type TailFacts } from "../../worker/sampling/tail-decision";
import { micros } from "../../worker/model/time";
import { KEPT_FOR_MS, TailSampling } from "./tail-sampling";

/** The meta rows a TailSampling writes, by key (a stand-in for the shard's SQLite). */
function fakeSql() {
  const meta = new Map<string, string>();
  let writes = 0;
  const sql = {
    run(_statement: string, ...values: unknown[]) {
      writes++;
      const key = _statement.includes("'tail_kept'") ? "tail_kept" : "tail";
      meta.set(key, String(values[0]));
      return 1;
    },
  } as unknown as GuardedSql;
  return { sql, meta, writes: () => writes };
}

const POLICY: TailPolicy = { keepErrors: true, slowerThanMs: null, slowerThan: [], keepPercent: 0 };
/** A trace id the share never keeps (keepPercent 0 keeps none anyway; this one is dropped at 20 % too). */
const ID = (() => {
  for (let n = 0; ; n++) {
    const id = n.toString(16).padStart(32, "0");
    if (!inShare(id, 20)) return id;
  }
})();
const segment = (error: boolean): TailFacts => ({ traceId: ID, durationUs: micros(1_000), operations: [{ service: "api", name: "GET /", maxSpanUs: micros(1_000), errors: error }] });

describe("TailSampling", () => {
  it("writes nothing for the keep-all default", () => {
    const { sql, writes } = fakeSql();
    const tail = new TailSampling(sql);
    tail.set(KEEP_ALL, true);
    expect(tail.keepsAll).toBe(true);
    expect(writes()).toBe(0);
  });

  it("stores a policy once, and only once the object belongs to a tenant", () => {
    const { sql, meta, writes } = fakeSql();
    const tail = new TailSampling(sql);
    tail.set(POLICY, false);
    expect(tail.current).toEqual(POLICY);
    expect(writes()).toBe(0);
    tail.set(POLICY, true);
    tail.set(POLICY, true);
    expect(writes()).toBe(1);
    expect(JSON.parse(meta.get("tail") ?? "null")).toEqual(POLICY);
  });

  it("keeps the later segments of a trace an error kept, across a restart, until an hour after the last", () => {
    const { sql, meta } = fakeSql();
    const tail = new TailSampling(sql);
    tail.set(POLICY, true);
    expect(tail.keep(segment(false), 0)).toBe(false);
    expect(tail.keep(segment(true), 1_000)).toBe(true);
    tail.save(1_000);
    const restarted = new TailSampling(fakeSql().sql);
    restarted.load(meta.get("tail"), meta.get("tail_kept"));
    expect(restarted.current).toEqual(POLICY);
    expect(restarted.keep(segment(false), 1_000 + KEPT_FOR_MS - 1)).toBe(true);
    restarted.save(1_000 + KEPT_FOR_MS - 1);
    // Remembered from its last kept segment, not its first.
    expect(restarted.keep(segment(false), 1_000 + 2 * KEPT_FOR_MS - 2)).toBe(true);
    restarted.save(1_000 + 4 * KEPT_FOR_MS);
    expect(restarted.keep(segment(false), 1_000 + 4 * KEPT_FOR_MS)).toBe(false);
  });

  it("writes its memory only when it changed", () => {
    const { sql, writes } = fakeSql();
    const tail = new TailSampling(sql);
    tail.set(POLICY, true);
    const before = writes();
    tail.keep(segment(false), 0);
    tail.save(0);
    expect(writes()).toBe(before);
    tail.keep(segment(true), 0);
    tail.save(0);
    tail.save(1);
    expect(writes()).toBe(before + 1);
  });
});
