/**
 * A small Bloom filter per trace, stored as text: six bits a character from the URL-safe base64
 * alphabet, so it sits in a JSON string in D1 without escaping and is tested without decoding
 * (one character lookup per probe).
 *
 * Sized at 16 bits a term (≈0.09% false positives with at most 6 probes; the optimal 11 would
 * gain little and nearly double the hashing when a block is indexed) — every false positive costs
 * an R2 read, and over 40,000 traces 1% was 400 reads for a value no trace has — within a cap: a trace with
 * thousands of distinct attribute values gets a fuller filter (more false positives, never a
 * false negative), so one huge trace cannot blow a block's index row past D1's 2 MB row limit.
 */

export interface Bloom {
  /** The bit array, 6 bits a character (base64url alphabet). */
  bits: string;
  /** Probes per term. */
  k: number;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUE = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export const BITS_PER_TERM = 16;
/** No trace's filter is longer than this many characters (6,144 bits). */
export const MAX_BLOOM_CHARS = 1_024;

/** A second, independent-enough hash from the first (murmur3's finaliser); odd so probes cycle the whole table. */
function secondHash(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return ((h ^ (h >>> 16)) | 1) >>> 0;
}

/**
 * Probe i of a term is (a + i·b) mod m with a = h1 mod m, b = 1 + h2 mod (m − 1), all computed on
 * int32 values: indexing a block (~130 terms × 6 probes a trace) stays in V8's integer arithmetic
 * instead of float modulo.
 */
function firstProbe(term: number, m: number): number {
  const a = (term | 0) % m;
  return a < 0 ? a + m : a;
}

function probeStep(term: number, m: number): number {
  if (m < 2) return 1;
  const b = (secondHash(term) | 0) % (m - 1);
  return 1 + (b < 0 ? b + m - 1 : b);
}

export function buildBloom(terms: ArrayLike<number>, maxChars = MAX_BLOOM_CHARS): Bloom {
  const chars = Math.max(1, Math.min(maxChars, Math.ceil((terms.length * BITS_PER_TERM) / 6)));
  const m = chars * 6;
  // Optimal probe count for the bits actually available, within reason.
  const k = Math.max(1, Math.min(6, Math.round((m / Math.max(1, terms.length)) * Math.LN2)));
  const cells = new Uint8Array(chars);
  for (let t = 0; t < terms.length; t++) {
    const term = terms[t] as number;
    const step = probeStep(term, m);
    let bit = firstProbe(term, m);
    for (let i = 0; i < k; i++) {
      const cell = (bit / 6) | 0;
      cells[cell] = (cells[cell] as number) | (1 << (bit - cell * 6));
      bit += step;
      if (bit >= m) bit -= m;
    }
  }
  let bits = "";
  for (const cell of cells) bits += ALPHABET[cell];
  return { bits, k };
}

export function bloomHas(bloom: Bloom, term: number): boolean {
  const m = bloom.bits.length * 6;
  const step = probeStep(term, m);
  let bit = firstProbe(term, m);
  for (let i = 0; i < bloom.k; i++) {
    const cell = (bit / 6) | 0;
    if (((VALUE[bloom.bits.charCodeAt(cell) & 0x7f] as number) & (1 << (bit - cell * 6))) === 0) return false;
    bit += step;
    if (bit >= m) bit -= m;
  }
  return true;
}

/**
 * Filters D1 tests in SQL, so a query reads only the rows that may matter: a block's filter of
 * every term in it (a tag search then loads the index of the few blocks that may hold a rare
 * value, not of all of them), and a block's filter of its trace ids (a lookup by id then reads one
 * row's trace_index, not every row's).
 *
 * SQL cannot read our 6-bit characters cheaply from TEXT (substr counts UTF-8 characters from the
 * start), so these are BLOBs of bytes 32 + six bits: `substr` on a BLOB is O(1) and `unicode()`
 * reads an ASCII byte's value. The probe count is fixed, so SQL needs only the filter's length to
 * find the probes. ~10 bits an item and 5 probes: ≈1% of rows pass by chance (7, the optimum,
 * would gain a tenth of that for 40% more hashing when a block is indexed).
 */
export const SQL_FILTER_PROBES = 5;
export const SQL_FILTER_BITS_PER_ITEM = 10;

/** Builds from sorted terms (duplicates allowed: they set the same bits). */
export function buildSqlFilter(items: ArrayLike<number>, distinct: number, maxBytes: number): Uint8Array {
  const bytes = Math.max(1, Math.min(maxBytes, Math.ceil((distinct * SQL_FILTER_BITS_PER_ITEM) / 6)));
  const m = bytes * 6;
  // (u mod m) for u = x >>> 0 from the int32 x, in integer arithmetic: u = x + 2^32 when x < 0.
  const wrap = 4294967296 % m;
  const cells = new Uint8Array(bytes);
  for (let n = 0; n < items.length; n++) {
    const item = items[n] as number;
    // sqlFilterProbes, inlined: no array per item (a block has tens of thousands of terms).
    const h2 = secondHash(item);
    for (let i = 0; i < SQL_FILTER_PROBES; i++) {
      const x = (item + Math.imul(i, h2)) | 0;
      let bit = x % m;
      if (x < 0) bit = (bit + m + wrap) % m;
      const cell = (bit / 6) | 0;
      cells[cell] = (cells[cell] as number) | (1 << (bit - cell * 6));
    }
  }
  for (let i = 0; i < cells.length; i++) cells[i] = 32 + (cells[i] as number);
  return cells;
}

/** The probes of an item before `% m` (unsigned 32-bit), which SQL reduces by the filter's own size. */
export function sqlFilterProbes(item: number): number[] {
  const h2 = secondHash(item);
  return Array.from({ length: SQL_FILTER_PROBES }, (_, i) => (item + Math.imul(i, h2)) >>> 0);
}

/** A block's filter of all its terms: at most this many bytes (D1's 2 MB row holds the rest of the index too). */
export const MAX_BLOCK_FILTER_BYTES = 256_000;

/** "k:bits" — how one filter is stored in a block's JSON. */
export function serializeBloom(bloom: Bloom): string {
  return `${bloom.k}:${bloom.bits}`;
}

export function parseBloom(text: string): Bloom | null {
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { k: Number(text.slice(0, colon)), bits: text.slice(colon + 1) };
}
