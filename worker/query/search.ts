/**
 * Trace search over one tenant's index, newest first, reading as few traces as it can:
 *
 * 1. Each of the tenant's shards lists, from its manifest, the blocks whose time range meets the
 *    search window and that may hold the service, operation and tag terms (filters tested in
 *    SQL), and the index of its open traces — one call per shard, in parallel.
 * 2. Blocks are visited newest first, in growing pages; their index (the search section of the
 *    block object) comes from the isolate cache or a ranged R2 read. Each trace is judged on its
 *    entry (prefilter.ts): most are ruled out there; searches without tags rule many in.
 * 3. Traces are decided newest first once no unvisited block can hold a newer one; `maybe` traces
 *    are read from R2 (their copies in visited blocks, plus pending spans) and checked span by span
 *    (span-match.ts). The search stops at `limit` traces — usually long before the last block.
 */
import type { SpanBatch, Trace } from "../model/span";
import { attachTerms, decodeBlockEntries } from "../trace-index/block-entries";
import { readSection, splitSearchSection } from "../trace-index/block-format";
import type { IndexedBlock } from "../trace-index/search-entry";
import type { BlockRef, SegmentLocation } from "../storage/shard-protocol";
import { allShards, shardConfig, shardStub } from "../storage/shard-routing";
import type { TenantConfig } from "../storage/tenant-directory";
import { cacheBlock, cachedBlock, growCachedBlock } from "./block-cache";
import { judge, planQuery, Verdict, type QueryPlan } from "./prefilter";
import { decodeSpans, readMembers, type FrameCache } from "./read-trace";
import { withinRetention, type SearchQuery } from "./search-query";
import { micros } from "../model/time";
import { assembleTrace } from "./assemble";
import { traceMatches } from "./span-match";

/** First page of blocks, and the most a page grows to: small first (most searches end early), then fewer round trips. */
const FIRST_PAGE = 4;
const MAX_PAGE = 64;
/** R2 reads in flight at once (a Worker keeps at most 6 connections open per request; the rest queue). */
const READ_CONCURRENCY = 8;

interface Candidate {
  traceId: string;
  startUs: number;
  /** The best verdict of any copy. */
  verdict: Verdict;
  /** Copies in visited blocks that may hold a matching span. */
  copies: SegmentLocation[];
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
  /** Time spent asking the shards for their block lists and open traces (ms). */
  planMs: number;
  /** Time spent waiting for block indexes from R2, and for trace reads (ms, overlapping work counted once a wait). */
  indexMs: number;
  readMs: number;
}

/**
 * A response header saying how much of the index a search touched — for operators and the
 * benchmark, which shows from it that a search reads few traces.
 */
export const SEARCH_STATS_HEADER = "x-edgetrace-search";

export function formatSearchStats(stats: SearchStats): string {
  return `blocks=${stats.blocks}; visited=${stats.blocksVisited}; judged=${stats.tracesJudged}; read=${stats.tracesRead}; plan-ms=${stats.planMs}; index-ms=${stats.indexMs}; read-ms=${stats.readMs}`;
}

/** Searches within what the tenant keeps: an earlier start is clamped to its retention. */
export async function searchTraces(env: Env, config: TenantConfig, query: SearchQuery, nowUs = micros(Date.now() * 1000)): Promise<SearchResult> {
  return new Search(env, config, withinRetention(query, config.retentionDays, nowUs)).run();
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
  /** Frames read by this search: neighbouring traces share them. */
  private readonly frames: FrameCache = new Map();
  private readonly stats: SearchStats = { blocks: 0, blocksVisited: 0, tracesJudged: 0, tracesRead: 0, planMs: 0, indexMs: 0, readMs: 0 };

  constructor(
    private readonly env: Env,
    private readonly config: TenantConfig,
    private readonly query: SearchQuery,
  ) {
    this.plan = planQuery(query);
  }

  async run(): Promise<SearchResult> {
    const { query } = this;
    if (this.plan.impossible) return { traces: [], stats: this.stats };
    const filter = { startUs: query.startUs, endUs: query.endUs, service: query.service, operation: query.operation, terms: this.plan.terms.map((t) => t.term) };
    const planStarted = Date.now();
    const plans = await Promise.all(
      allShards(this.config).map(async (shard) => ({ shard, plan: await shardStub(this.env, this.config.tenantId, shard).searchPlan(shardConfig(this.config), filter) })),
    );
    this.stats.planMs = Date.now() - planStarted;
    const refs = plans.flatMap(({ plan }) => plan.blocks).sort((a, b) => b.maxStartUs - a.maxStartUs);
    this.stats.blocks = refs.length;
    for (const { shard, plan } of plans) {
      const { traceIndex, encoded } = plan.pending;
      const block = decodeBlockEntries(traceIndex, encoded.operations, encoded.search, encoded.terms, encoded.terms !== null);
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
      if (ref) candidate.copies.push({ key: ref.key, ...trace.place });
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

  /**
   * The copies of a trace we know of, plus, for a trace that was open when the search began, what
   * its shard holds now (its pending spans, or the segments a flush just moved them to); each
   * read once per search.
   */
  private async partsOf(candidate: Candidate): Promise<SpanBatch[]> {
    const shard = this.pendingShard.get(candidate.traceId);
    const pendingKey = `pending:${candidate.traceId}`;
    if (shard !== undefined && !this.decoded.has(pendingKey)) {
      const copies = await shardStub(this.env, this.config.tenantId, shard).lookup(shardConfig(this.config), candidate.traceId);
      this.decoded.set(pendingKey, copies.pending ? decodeSpans(copies.pending) : { resources: [], scopes: [], spans: [] });
      this.stats.tracesRead += copies.pending ? 1 : 0;
      const known = new Set(candidate.copies.map(locationKey));
      for (const segment of copies.segments) if (!known.has(locationKey(segment))) candidate.copies.push(segment);
    }
    const unread = candidate.copies.filter((copy) => !this.decoded.has(locationKey(copy)));
    const stored = await readMembers(this.env.TRACES, unread, this.frames);
    this.stats.tracesRead += unread.length;
    // readMembers skips missing blocks, so match by position only when nothing went missing.
    if (stored.length === unread.length) unread.forEach((copy, i) => this.decoded.set(locationKey(copy), stored[i] as SpanBatch));
    const keys = [...candidate.copies.map(locationKey), pendingKey];
    return keys.map((key) => this.decoded.get(key)).filter((part): part is SpanBatch => part !== undefined);
  }

  private async materialise(chosen: Candidate[]): Promise<Trace[]> {
    const traces = await mapLimit(chosen, READ_CONCURRENCY, async (candidate) => assembleTrace(candidate.traceId, await this.partsOf(candidate)));
    return traces.filter((trace) => trace.spans.length > 0);
  }

  /** Blocks' indexes from the isolate cache, the rest read from R2; filters too for tag searches. */
  private async loadBlocks(refs: BlockRef[]): Promise<Array<{ ref: BlockRef; block: IndexedBlock }>> {
    // Tags and GenAI conditions are both terms (prefilter.ts): either needs the filters.
    const withTerms = this.plan.terms.length > 0;
    const loaded = await mapLimit(refs, READ_CONCURRENCY, async (ref) => {
      let block = cachedBlock(ref.key);
      if (!block) {
        const [search, terms] = await Promise.all([
          readSection(this.env.TRACES, ref.key, ref.search),
          withTerms && ref.terms ? readSection(this.env.TRACES, ref.key, ref.terms) : null,
        ]);
        // Gone (expired or compacted away since the shard listed it): nothing to judge.
        if (search === null) return null;
        const { traceIndex, operations, search: rows } = splitSearchSection(search);
        block = decodeBlockEntries(traceIndex, operations, rows, terms, ref.terms !== null);
        if (withTerms) block.termsLoaded = true;
        cacheBlock(ref.key, block, search.length + (terms?.length ?? 0));
      } else if (withTerms && !block.termsLoaded && block.hasTerms && ref.terms) {
        const terms = await readSection(this.env.TRACES, ref.key, ref.terms);
        attachTerms(block, terms);
        growCachedBlock(ref.key, terms?.length ?? 0);
      }
      return { ref, block };
    });
    return loaded.filter((entry): entry is { ref: BlockRef; block: IndexedBlock } => entry !== null);
  }
}

function locationKey(location: SegmentLocation): string {
  return `${location.key}@${location.at}+${location.innerAt}`;
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
