/**
 * Trace search over one tenant's index, newest first, reading as few traces as it can:
 *
 * 1. D1 lists the blocks whose time range meets the search window and that hold the service and
 *    operation (small rows; the big index columns stay in D1). Each trace-assembly object lists
 *    its open traces the same way (pending.ts).
 * 2. Blocks are visited newest first, in growing pages; their index comes from the isolate cache or
 *    one batched D1 read. Each trace is judged on its entry (prefilter.ts): most are ruled out
 *    there; searches without tags rule many in.
 * 3. Traces are decided newest first once no unvisited block can hold a newer one; `maybe` traces
 *    are read from R2 (their copies in visited blocks, plus pending spans) and checked span by span
 *    (span-match.ts). The search stops at `limit` traces — usually long before the last block.
 */
import type { SpanBatch, Trace } from "../model/span";
import { findBlocks, loadBlockIndexes, loadBlockTerms, type BlockRef, type TraceLocation } from "../storage/block-index";
import { decodeMember, readMembers } from "../storage/read-trace";
import { traceShard } from "../ingest/shards";
import { attachTerms, decodeBlockEntries } from "./block-entries";
import { cacheBlock, cachedBlock, growCachedBlock } from "./block-cache";
import { loadPendingBlocks } from "./pending-blocks";
import { judge, planQuery, Verdict, type QueryPlan } from "./prefilter";
import type { IndexedBlock } from "./search-entry";
import type { SearchQuery } from "./search-query";
import { assembleTrace } from "./assemble";
import { traceMatches } from "./span-match";

/** First page of blocks, and the most a page grows to: small first (most searches end early), then fewer round trips. */
const FIRST_PAGE = 4;
const MAX_PAGE = 64;
/** R2 reads in flight at once. */
const READ_CONCURRENCY = 8;

interface Candidate {
  traceId: string;
  startUs: number;
  /** The best verdict of any copy. */
  verdict: Verdict;
  /** Copies in visited blocks that may hold a matching span. */
  copies: TraceLocation[];
  state: "queued" | "accepted" | "rejected";
}

/** What a search found: traces with every span we hold of them (not yet adjusted). */
export interface SearchResult {
  traces: Trace[];
  /** How much work it took, for the benchmark and logs (`tracesRead`: copies fetched from R2 or a pending object). */
  stats: SearchStats;
}

export interface SearchStats {
  blocks: number;
  blocksVisited: number;
  tracesJudged: number;
  tracesRead: number;
  /** Time spent waiting for block indexes from D1, and for trace reads (ms, overlapping work counted once a wait). */
  indexMs: number;
  readMs: number;
}

/**
 * A response header saying how much of the index a search touched — for operators and the
 * benchmark, which shows from it that a search reads few traces.
 */
export const SEARCH_STATS_HEADER = "x-edgetrace-search";

export function formatSearchStats(stats: SearchStats): string {
  return `blocks=${stats.blocks}; visited=${stats.blocksVisited}; judged=${stats.tracesJudged}; read=${stats.tracesRead}; index-ms=${stats.indexMs}; read-ms=${stats.readMs}`;
}

export async function searchTraces(env: Env, tenantId: string, query: SearchQuery): Promise<SearchResult> {
  return new Search(env, tenantId, query).run();
}

class Search {
  private readonly plan: QueryPlan;
  private readonly candidates = new Map<string, Candidate>();
  private queue: Candidate[] = [];
  private readonly accepted: Candidate[] = [];
  /** Open traces: trace id → its shard (their pending spans are read from it). */
  private readonly pendingShard = new Map<string, number>();
  /** Decoded copies already read, by location, so a trace read to verify is not read again. */
  private readonly decoded = new Map<string, SpanBatch>();
  private readonly stats: SearchStats = { blocks: 0, blocksVisited: 0, tracesJudged: 0, tracesRead: 0, indexMs: 0, readMs: 0 };

  constructor(
    private readonly env: Env,
    private readonly tenantId: string,
    private readonly query: SearchQuery,
  ) {
    this.plan = planQuery(query);
  }

  async run(): Promise<SearchResult> {
    const { query } = this;
    if (this.plan.impossible) return { traces: [], stats: this.stats };
    const [refs, pending] = await Promise.all([
      findBlocks(this.env.DB, this.tenantId, { ...query, terms: this.plan.terms.map((t) => t.term) }),
      loadPendingBlocks(this.env, this.tenantId),
    ]);
    this.stats.blocks = refs.length;
    for (const { shard, block } of pending) {
      for (const trace of block.traces) this.pendingShard.set(trace.traceId, shard);
      this.judgeBlock(block, null);
    }
    let next = 0;
    let page = FIRST_PAGE;
    for (;;) {
      const frontier = next < refs.length ? (refs[next] as BlockRef).maxStartUs : -Infinity;
      await this.decideDown(frontier);
      if (this.accepted.length >= query.limit || next >= refs.length) break;
      const visit = refs.slice(next, next + page);
      next += visit.length;
      page = Math.min(page * 2, MAX_PAGE);
      const started = Date.now();
      const loaded = await this.loadBlocks(visit);
      this.stats.indexMs += Date.now() - started;
      for (const { ref, block } of loaded) this.judgeBlock(block, ref);
    }
    const chosen = this.accepted.sort((a, b) => b.startUs - a.startUs).slice(0, query.limit);
    const started = Date.now();
    const traces = await this.materialise(chosen);
    this.stats.readMs += Date.now() - started;
    return { traces, stats: this.stats };
  }

  private judgeBlock(block: IndexedBlock, ref: BlockRef | null): void {
    this.stats.blocksVisited += ref ? 1 : 0;
    for (const trace of block.traces) {
      this.stats.tracesJudged++;
      const verdict = judge(block, trace, this.plan);
      if (verdict === Verdict.no) continue;
      let candidate = this.candidates.get(trace.traceId);
      if (!candidate) {
        candidate = { traceId: trace.traceId, startUs: trace.startUs, verdict, copies: [], state: "queued" };
        this.candidates.set(trace.traceId, candidate);
        this.queue.push(candidate);
      } else {
        candidate.startUs = Math.min(candidate.startUs, trace.startUs);
        // A copy that may match reopens a trace its other copies ruled out.
        if (candidate.state === "rejected") {
          candidate.state = "queued";
          this.queue.push(candidate);
        }
        candidate.verdict = Math.max(candidate.verdict, verdict) as Verdict;
      }
      if (ref) candidate.copies.push({ blockKey: ref.blockKey, offset: trace.offset, length: trace.length });
    }
  }

  /** Decides queued traces that start at or after `frontier`, newest first, until there are enough. */
  private async decideDown(frontier: number): Promise<void> {
    this.queue.sort((a, b) => b.startUs - a.startUs);
    while (this.accepted.length < this.query.limit) {
      const need = this.query.limit - this.accepted.length;
      const batch: Candidate[] = [];
      while (batch.length < Math.max(need, READ_CONCURRENCY) && this.queue.length > 0 && (this.queue[0] as Candidate).startUs >= frontier) {
        batch.push(this.queue.shift() as Candidate);
      }
      if (batch.length === 0) return;
      const started = Date.now();
      const verdicts = await mapLimit(batch, READ_CONCURRENCY, (candidate) => this.verify(candidate));
      this.stats.readMs += Date.now() - started;
      batch.forEach((candidate, i) => {
        if (verdicts[i] && this.accepted.length < this.query.limit) {
          candidate.state = "accepted";
          this.accepted.push(candidate);
        } else if (verdicts[i]) {
          // Matched but not needed (the batch ran past `limit`); an older block might still add a
          // copy, so keep it decidable rather than lost.
          candidate.state = "queued";
          this.queue.unshift(candidate);
        } else {
          candidate.state = "rejected";
        }
      });
      if (this.accepted.length >= this.query.limit) return;
    }
  }

  private async verify(candidate: Candidate): Promise<boolean> {
    if (candidate.verdict === Verdict.yes) return true;
    const parts = await this.partsOf(candidate);
    return traceMatches(assembleTrace(candidate.traceId, parts), this.query);
  }

  /** The copies of a trace we know of, plus its pending spans; each read once per search. */
  private async partsOf(candidate: Candidate): Promise<SpanBatch[]> {
    const unread = candidate.copies.filter((copy) => !this.decoded.has(locationKey(copy)));
    const shard = this.pendingShard.get(candidate.traceId);
    const pendingKey = `pending:${candidate.traceId}`;
    const readPending = shard !== undefined && !this.decoded.has(pendingKey);
    const [stored, pending] = await Promise.all([
      readMembers(this.env.TRACES, unread),
      readPending ? traceShard(this.env, this.tenantId, shard).readPending(candidate.traceId) : null,
    ]);
    this.stats.tracesRead += unread.length + (pending ? 1 : 0);
    // readMembers skips missing blocks, so match by position only when nothing went missing.
    if (stored.length === unread.length) unread.forEach((copy, i) => this.decoded.set(locationKey(copy), stored[i] as SpanBatch));
    if (pending) this.decoded.set(pendingKey, decodeMember(pending));
    const keys = [...candidate.copies.map(locationKey), pendingKey];
    return keys.map((key) => this.decoded.get(key)).filter((part): part is SpanBatch => part !== undefined);
  }

  private async materialise(chosen: Candidate[]): Promise<Trace[]> {
    const traces = await mapLimit(chosen, READ_CONCURRENCY, async (candidate) => assembleTrace(candidate.traceId, await this.partsOf(candidate)));
    return traces.filter((trace) => trace.spans.length > 0);
  }

  /** Blocks' indexes from the isolate cache, the rest in one D1 read; filters too for tag searches. */
  private async loadBlocks(refs: BlockRef[]): Promise<Array<{ ref: BlockRef; block: IndexedBlock }>> {
    const withTerms = this.query.tags.length > 0;
    const found = new Map<string, IndexedBlock>();
    const missing: number[] = [];
    const termless: number[] = [];
    for (const ref of refs) {
      const block = cachedBlock(ref.blockKey);
      if (!block) missing.push(ref.id);
      else {
        found.set(ref.blockKey, block);
        if (withTerms && !block.termsLoaded && block.hasTerms) termless.push(ref.id);
      }
    }
    const [rows, terms] = await Promise.all([
      missing.length ? loadBlockIndexes(this.env.DB, this.tenantId, missing, withTerms) : [],
      termless.length ? loadBlockTerms(this.env.DB, this.tenantId, termless) : [],
    ]);
    for (const row of rows) {
      const block = decodeBlockEntries(row.traceIndex, row.operations, row.search, withTerms ? row.terms : null, row.hasTerms);
      if (withTerms) block.termsLoaded = true;
      cacheBlock(row.blockKey, block, row.traceIndex.length + row.search.length + (row.terms?.length ?? 0));
      found.set(row.blockKey, block);
    }
    for (const row of terms) {
      const block = found.get(row.blockKey);
      if (!block) continue;
      attachTerms(block, row.terms);
      growCachedBlock(row.blockKey, row.terms?.length ?? 0);
    }
    return refs.flatMap((ref) => {
      const block = found.get(ref.blockKey);
      return block ? [{ ref, block }] : [];
    });
  }
}

function locationKey(location: TraceLocation): string {
  return `${location.blockKey}@${location.offset}`;
}

/** `f` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
