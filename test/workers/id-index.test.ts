/**
 * The trace-id index's sorted runs, in a Durable Object's real SQLite: lookups find every segment
 * of a trace before and after merges, merges drop entries of blocks that are gone, and a trace
 * whose entries straddle chunk boundaries is found whole.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CHUNK_ENTRIES, FANOUT, IdIndex, type IdEntry } from "../../durable-objects/shard/id-index";
import { GuardedSql } from "../../worker/storage/sql-guard";
import { prng } from "../support/otlp-builders";

const randomId = (random: () => number) => Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");

function withIndex<T>(name: string, f: (index: IdIndex) => T): Promise<T> {
  return runInDurableObject(env.TRACE_SHARD.getByName(`id-index-test-${name}/0`), (_instance, state) => f(new IdIndex(new GuardedSql(state.storage.sql))));
}

describe("the trace id index", () => {
  it("finds every segment through merges, and forgets blocks that are gone", async () => {
    await withIndex("merges", (index) => {
      const random = prng(7);
      const expected = new Map<string, Set<string>>();
      let block = 0;
      const dead = new Set<number>();
      // FANOUT × 3 runs: level 0 fills and merges, then level 1 does.
      for (let run = 0; run < FANOUT * FANOUT + 3; run++) {
        block++;
        const entries: IdEntry[] = [];
        for (let i = 0; i < 300; i++) {
          // Some ids come back in later blocks (late spans: a second segment).
          const reuse = expected.size > 0 && random() < 0.1;
          const traceId = reuse ? ([...expected.keys()][Math.floor(random() * expected.size)] as string) : randomId(random);
          entries.push({ traceId, block, at: i * 100, length: 100, innerAt: i, innerLength: 10 });
          const set = expected.get(traceId) ?? new Set<string>();
          set.add(`${block}/${i * 100}`);
          expected.set(traceId, set);
        }
        index.addRun(entries, 1_000 + run);
        if (run % 5 === 0) dead.add(block);
        while (index.mergeOnce((b) => !dead.has(b)));
      }
      const runs = index.runs();
      expect(runs.length).toBeLessThan(2 * FANOUT);
      expect(Math.max(...runs.map((r) => r.level))).toBeGreaterThanOrEqual(2);
      for (const [traceId, places] of expected) {
        const found = new Set(index.lookup(traceId).map((l) => `${l.block}/${l.at}`));
        // Entries of dead blocks may linger until their run merges; every live one is found.
        for (const place of places) if (!dead.has(Number(place.split("/")[0]))) expect(found.has(place), traceId).toBe(true);
        for (const place of found) expect(places.has(place)).toBe(true);
      }
      // Merged runs dropped what belongs to dead blocks.
      const total = runs.reduce((n, r) => n + r.entries, 0);
      expect(total).toBeLessThan([...expected.values()].reduce((n, s) => n + s.size, 0));
    });
  });

  it("finds a trace whose entries span several chunks", async () => {
    await withIndex("straddle", (index) => {
      const hot = "f".repeat(16) + "0".repeat(16);
      const before = Array.from({ length: CHUNK_ENTRIES - 10 }, (_, i) => ({ traceId: i.toString(16).padStart(32, "0"), block: 1, at: i, length: 1, innerAt: 0, innerLength: 0 }));
      const segments = Array.from({ length: CHUNK_ENTRIES * 2 }, (_, i) => ({ traceId: hot, block: 2, at: i, length: 1, innerAt: i, innerLength: 3 }));
      index.addRun([...before, ...segments], 1);
      expect(index.lookup(hot)).toHaveLength(CHUNK_ENTRIES * 2);
      expect(index.lookup("0".repeat(31) + "5")).toEqual([{ block: 1, at: 5, length: 1, innerAt: 0, innerLength: 0 }]);
      expect(index.lookup("e".repeat(32))).toEqual([]);
    });
  });
});
