/**
 * Reads a request body under a size cap, inflating gzip on the way. The cap applies to the
 * inflated bytes and is checked chunk by chunk while inflating, so a gzip bomb is stopped after
 * at most one chunk past the cap instead of being inflated whole.
 */
import { PayloadTooLarge, UnsupportedMediaType } from "../errors";
import { UndecodableBody } from "../otlp/decoded";

/** The OTLP spec's recommended cap on a decompressed request. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * The cap on a decompressed OTLP/JSON body. Protobuf is scanned in place; JSON is held as bytes,
 * text, a parsed tree and our span model at once (then the protobuf it becomes). Measured with
 * Node's V8 (workerd's engine) on the densest body we know — 600,000 one-line attributes in
 * 20 MiB — the peak is ~7.5 bytes of memory a byte of body: 20 MiB would take ~150 MiB, past the
 * isolate's 128 MB, and fail every other request in flight there. One request may spend about a
 * third of the isolate (the rest is for concurrent requests and the caches), ~45 MiB: 6 MiB. An
 * SDK's 512-span batch is ~0.4 MB of JSON; a Collector's 8,192-span batch is ~6 MB, so
 * Collectors should send protobuf (their default) or batch smaller.
 */
export const MAX_JSON_BODY_BYTES = 6 * 1024 * 1024;

export const JSON_ADVICE = "OTLP/JSON bodies are capped at 6 MiB, as decoding JSON takes ~7.5× its size in memory: send smaller batches, or protobuf (up to 20 MiB)";

/** Reads the body, inflating gzip, refusing with 413 past `limit` bytes; `advice` ends the 413's message. */
export async function readCappedBody(request: Request, limit = MAX_BODY_BYTES, advice = "send smaller batches"): Promise<Uint8Array> {
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip" && encoding !== "x-gzip") {
    throw new UnsupportedMediaType(`unsupported Content-Encoding "${encoding}": send gzip or no encoding`);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit, false, advice);
  if (!request.body) return new Uint8Array(0);
  const gzip = encoding !== "identity";
  if (!gzip && request.headers.has("content-length")) {
    // A declared length under the cap is enforced by the runtime, so one native read does it.
    return new Uint8Array(await request.arrayBuffer());
  }
  const stream = gzip ? request.body.pipeThrough(new DecompressionStream("gzip")) : request.body;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit, gzip, advice);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof PayloadTooLarge) throw error;
    throw new UndecodableBody(gzip ? `invalid gzip body: ${(error as Error).message}` : `could not read body: ${(error as Error).message}`);
  }
  return concat(chunks, size);
}

function tooLarge(limit: number, inflated: boolean, advice: string): PayloadTooLarge {
  const mib = limit / (1024 * 1024);
  return new PayloadTooLarge(`request body exceeds ${mib} MiB${inflated ? " after gzip decompression" : ""}; ${advice}`);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
