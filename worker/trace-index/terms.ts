/**
 * Search terms: the "key=value" facts a tag condition can ask about, hashed to 32 bits (FNV-1a
 * over the UTF-8 bytes of `key=value`). A trace's terms are hashed when it is indexed — from the
 * stored protobuf bytes (protobuf-digest.ts) or from decoded spans (search-entry.ts) — and a
 * search hashes its conditions the same way; the UTF-8 hashing here is what makes all three agree.
 *
 * Resource attributes are kept apart from the rest: every span of a service shares them, so a block
 * stores each resource's terms once instead of in every trace's filter.
 */
import { StatusCode, type SpanKind } from "../model/span";

export const KIND_TERMS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;
export const STATUS_TERMS = ["unset", "ok", "error"] as const;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const EQUALS = 0x3d;

/** Continues an FNV-1a hash over the UTF-8 encoding of `text`, without encoding it. */
export function hashUtf8(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      hash = Math.imul(hash ^ c, FNV_PRIME);
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    // Lone surrogates encode as U+FFFD, as TextEncoder (and protobufjs) do.
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x800) {
      hash = Math.imul(hash ^ (0xc0 | (c >> 6)), FNV_PRIME);
    } else if (c < 0x10000) {
      hash = Math.imul(hash ^ (0xe0 | (c >> 12)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    } else {
      hash = Math.imul(hash ^ (0xf0 | (c >> 18)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | ((c >> 12) & 0x3f)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    }
    hash = Math.imul(hash ^ (0x80 | (c & 0x3f)), FNV_PRIME);
  }
  return hash;
}

/** Continues an FNV-1a hash over raw bytes (UTF-8 strings straight from protobuf). */
export function hashBytes(hash: number, bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME);
  return hash;
}

export const hashStart = (): number => FNV_OFFSET;
/** The hash after a key: the key's bytes and "=". */
export const hashKey = (hash: number): number => Math.imul(hash ^ EQUALS, FNV_PRIME);

export function termHash(key: string, value: string): number {
  return hashUtf8(hashKey(hashUtf8(FNV_OFFSET, key)), value) >>> 0;
}

/** What a block's trace-id filter holds for a trace (32 hex digits). */
export const traceIdTerm = (traceId: string): number => termHash("trace.id", traceId);

export const kindTerm = (kind: SpanKind): number => termHash("span.kind", KIND_TERMS[kind] ?? "unspecified");
export const statusTerm = (code: StatusCode): number => termHash("span.status", STATUS_TERMS[code] ?? "unset");
export const errorTerm = (error: boolean): number => termHash("error", error ? "true" : "false");
export const scopeNameTerm = (name: string): number => termHash("scope.name", name);
export const scopeVersionTerm = (version: string): number => termHash("scope.version", version);

/**
 * Added to a trace's filter once a span of it reports token usage (`gen_ai.usage.input_tokens` or
 * `output_tokens`): searches by minimum tokens or cost need it, so the manifest's block filters and
 * the traces' filters rule out everything that never called a model, and only GenAI traces are
 * read to check their totals. A key no instrumentation sends, so no attribute makes the same term.
 */
export const GENAI_USAGE_TERM = termHash("edgetrace.gen_ai.usage", "reported");
/** The hash of a key and "=" (what keyValue hashes before the value) for the usage keys. */
export const GENAI_USAGE_KEY_HASHES: ReadonlySet<number> = new Set(
  ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"].map((key) => hashKey(hashUtf8(FNV_OFFSET, key))),
);

// Every span adds these: hash them once, not per span.
const KIND_HASHES = KIND_TERMS.map((_, kind) => kindTerm(kind as SpanKind));
const STATUS_HASHES = STATUS_TERMS.map((_, code) => statusTerm(code as StatusCode));
const ERROR_HASHES = [errorTerm(false), errorTerm(true)];

/** Adds the terms a span's own fields make (kind, status, error), beside its attributes. */
export function addSpanFieldTerms(terms: number[], kind: SpanKind, status: StatusCode): void {
  terms.push(KIND_HASHES[kind] as number, STATUS_HASHES[status] as number, ERROR_HASHES[status === StatusCode.ERROR ? 1 : 0] as number);
}
