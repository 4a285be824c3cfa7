/**
 * Where a trace id falls in each stock head sampler's [0, 1) range. A probabilistic sampler keeps a
 * trace when its id's value is below p, so among the traces it kept, the largest value is close to
 * the p in force (n kept: the largest is ≈ p·n/(n+1)). Trace shards keep that largest value per
 * root operation (worker/metrics/aggregate.ts), which lets adaptive sampling *measure* the
 * probability clients applied instead of remembering what it served — no state to store, and
 * right even for clients that polled late or were configured by hand.
 *
 * SDKs disagree on which bits they compare; for a sampler's own function the largest value is ≈ p,
 * for the others it is ≈ 1, so the smallest estimate over these functions is the one that counts:
 * - OpenTelemetry JS: the four 32-bit words of the id XORed, / 2^32;
 * - OpenTelemetry Go and Python: the low 64 bits unsigned, / 2^64;
 * - Jaeger clients: the low 63 bits, / 2^63;
 * - OpenTelemetry Java and .NET: |low 64 bits as a signed long|, / 2^63.
 */

export const SAMPLER_HASHES = 4;
/** Values are kept as whole units of 2^-24: ample for probabilities down to 10^-5. */
export const HASH_UNITS = 2 ** 24;

/** Each sampler function's value of a 32-hex-digit trace id, in units (rounded up); null if not hex. */
export function samplerHashes(traceId: string): number[] | null {
  if (!/^[0-9a-fA-F]{32}$/.test(traceId)) return null;
  const words = [0, 8, 16, 24].map((at) => Number.parseInt(traceId.slice(at, at + 8), 16));
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = words;
  const xor = (w0 ^ w1 ^ w2 ^ w3) >>> 0;
  // The low 64 bits as two 32-bit halves: exact arithmetic without BigInt.
  const high = w2;
  const low = w3;
  const unsigned = (high * 2 ** 32 + low) / 2 ** 64;
  const masked = ((high & 0x7fffffff) * 2 ** 32 + low) / 2 ** 63;
  // |x| of a negative two's-complement long is 2^64 − x.
  const absolute = high & 0x80000000 ? (2 ** 64 - (high * 2 ** 32 + low)) / 2 ** 63 : masked;
  return [xor / 2 ** 32, unsigned, masked, absolute].map((f) => Math.min(HASH_UNITS, Math.ceil(f * HASH_UNITS)));
}

/**
 * The probability in force over `kept` traces whose largest values per function were `largest`
 * (units), or null when too few were kept to tell.
 */
export function probabilityInForce(kept: number, largest: readonly number[], minKept = 5): number | null {
  if (kept < minKept || largest.length === 0) return null;
  const smallest = Math.min(...largest) / HASH_UNITS;
  return Math.min(1, (smallest * (kept + 1)) / kept);
}
