/**
 * Blocks are immutable once indexed, so their decoded index is kept in the isolate between
 * requests: a warm search reads only the small block list from D1, not every block's index.
 * Least recently used blocks go first once the (estimated) size passes the budget — a Worker
 * isolate has 128 MB in all.
 */
import type { IndexedBlock } from "../trace-index/search-entry";

/** Characters of JSON cached; parsed it takes about as much memory again. */
export const CACHE_BUDGET_CHARS = 24_000_000;

interface Cached {
  block: IndexedBlock;
  size: number;
}

const cache = new Map<string, Cached>();
let cachedSize = 0;

export function cachedBlock(key: string): IndexedBlock | undefined {
  const hit = cache.get(key);
  if (!hit) return undefined;
  // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
  cache.delete(key);
  cache.set(key, hit);
  return hit.block;
}

export function cacheBlock(key: string, block: IndexedBlock, size: number): void {
  const old = cache.get(key);
  if (old) {
    cachedSize -= old.size;
    cache.delete(key);
  }
  if (size > CACHE_BUDGET_CHARS / 4) return;
  cache.set(key, { block, size });
  cachedSize += size;
  for (const [oldest, entry] of cache) {
    if (cachedSize <= CACHE_BUDGET_CHARS) break;
    cache.delete(oldest);
    cachedSize -= entry.size;
  }
}

/** Adds to a cached block's size (its filters were loaded later). */
export function growCachedBlock(key: string, extra: number): void {
  const hit = cache.get(key);
  if (!hit) return;
  hit.size += extra;
  cachedSize += extra;
}
