/**
 * Drives an OTLP endpoint with autocannon: the same protobuf batch each request, but with fresh
 * trace ids every time (patched in place), so the server stores new traces rather than
 * deduplicating one batch over and over.
 */
import autocannon from "autocannon";

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
}

export interface FreshBatches {
  next(): Buffer;
}

/** Finds every occurrence of each trace id in `body`; `next()` returns a copy with new ids. */
export function freshBatches(body: Uint8Array, traceIds: string[]): FreshBatches {
  const source = Buffer.from(body);
  const offsets: number[] = [];
  for (const id of new Set(traceIds)) {
    const needle = Buffer.from(id, "hex");
    for (let at = source.indexOf(needle); at !== -1; at = source.indexOf(needle, at + 1)) offsets.push(at);
  }
  let counter = Math.floor(Math.random() * 2 ** 31);
  return {
    next() {
      const copy = Buffer.from(source);
      counter = (counter + 1) >>> 0;
      // The first four bytes of each id become a per-request counter; the other twelve keep the
      // ids of one batch apart.
      for (const at of offsets) copy.writeUInt32BE(counter, at);
      return copy;
    },
  };
}

export async function runLoad(options: {
  url: string;
  headers: Record<string, string>;
  batches: FreshBatches;
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: "POST",
        headers: options.headers,
        setupRequest: (request) => ({ ...request, body: options.batches.next() }) as typeof request,
      },
    ],
  });
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}
