/**
 * Tail sampling in a shard's flush: which complete traces go into the block. The policy comes
 * with every call (ShardConfig.tail) and is kept in `meta`, because flushes run in alarms, which
 * carry no config. The decision itself is worker/sampling/tail-decision.ts, on the digest the flush
 * computes for the block anyway; it runs after the flush has collected the traces' spans for the
 * graph and RED metrics, so a dropped trace is still counted there.
 *
 * Long-running traces are written in segments (MAX_OPEN_MS), and a late span after the quiet
 * period makes another: each segment is decided when it is flushed, by this rule —
 * - the share is drawn from the trace id alone, so every segment of a trace draws the same;
 * - a segment with an error or a slow span is kept, and so is every later segment of a trace once
 *   a segment of it was kept by such a rule: those trace ids are remembered for KEPT_FOR_MS after
 *   their last kept segment (at most MAX_KEPT), in one `meta` row written with the flush that kept
 *   them — so the memory survives restarts and a redone flush cannot disagree with the one it redoes;
 * - segments dropped before a later segment's error are gone: a trace whose error comes late is
 *   stored from that segment on.
 * With a keep-all policy (the default) none of this runs: no decision, no row.
 */
import { KEEP_ALL, keepsAll, parseTailPolicy, type TailPolicy } from "../../worker/sampling/tail-policy";
import { decideTail, type TailFacts } from "../../worker/sampling/tail-decision";
import type { GuardedSql } from "../../worker/storage/sql-guard";

/** How long a trace kept by a rule keeps its later segments kept. */
export const KEPT_FOR_MS = 60 * 60_000;
/** Trace ids remembered at most (~50 B each in the meta row: ≤ ~0.5 MB, under the 2 MB row limit). */
export const MAX_KEPT = 10_000;

export class TailSampling {
  private policy: TailPolicy = KEEP_ALL;
  private policyJson = JSON.stringify(KEEP_ALL);
  /** The policy as its meta row holds it (no row: keep-all, so the default writes nothing). */
  private storedJson = JSON.stringify(KEEP_ALL);
  /** Trace id → when a rule kept a segment of it; oldest first (Map order). */
  private readonly kept = new Map<string, number>();
  private changed = false;

  constructor(private readonly sql: GuardedSql) {}

  /** Reads the stored policy and memory (from the object's start, inside blockConcurrencyWhile). */
  load(policyJson: string | undefined, keptJson: string | undefined): void {
    if (policyJson) {
      try {
        const parsed = parseTailPolicy(JSON.parse(policyJson));
        if ("policy" in parsed) [this.policy, this.policyJson, this.storedJson] = [parsed.policy, policyJson, policyJson];
      } catch {
        // A row we wrote ourselves: unreadable only if corrupted. Keep everything rather than guess.
      }
    }
    if (keptJson) {
      try {
        for (const [traceId, at] of JSON.parse(keptJson) as Array<[string, number]>) this.kept.set(traceId, at);
      } catch {
        // Only later segments of rule-kept traces depend on it: they fall back to the share.
      }
    }
  }

  get current(): TailPolicy {
    return this.policy;
  }

  /** Stores a changed policy (a row only when it changed; `persist` false before the tenant claimed the object). */
  set(policy: TailPolicy | undefined, persist: boolean): void {
    if (!policy) return;
    const json = JSON.stringify(policy);
    if (json !== this.policyJson) [this.policy, this.policyJson] = [policy, json];
    if (!persist || json === this.storedJson) return;
    this.storedJson = json;
    this.sql.run("INSERT INTO meta (key, value) VALUES ('tail', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", json);
  }

  /** Whether every trace is kept: the flush then skips deciding altogether. */
  get keepsAll(): boolean {
    return keepsAll(this.policy);
  }

  /** Whether the flush stores this trace (segment). */
  keep(facts: TailFacts, now: number): boolean {
    const verdict = decideTail(this.policy, facts);
    if (verdict === "share") return true;
    if (verdict === "drop" && !this.kept.has(facts.traceId)) return false;
    // Kept by a rule, or a later segment of a trace a rule kept: remembered from now on, so a
    // trace that keeps running (a segment every MAX_OPEN_MS) is never forgotten midway.
    this.kept.delete(facts.traceId);
    this.kept.set(facts.traceId, now);
    this.changed = true;
    return true;
  }

  /** Forgets what is too old or too many, and writes the memory if it changed. Inside the flush's transaction. */
  save(now: number): void {
    for (const [traceId, at] of this.kept) {
      if (at > now - KEPT_FOR_MS && this.kept.size <= MAX_KEPT) break;
      this.kept.delete(traceId);
      this.changed = true;
    }
    if (!this.changed) return;
    this.changed = false;
    this.sql.run("INSERT INTO meta (key, value) VALUES ('tail_kept', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify([...this.kept]));
  }
}
