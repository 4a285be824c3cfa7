/**
 * The few WebCrypto primitives accounts need: random tokens, ids, SHA-256 and constant-time
 * comparison. Everything here runs in workerd and in Node 22 alike (pure unit tests).
 */

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** base64url without padding: URL-, header- and cookie-safe. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** SHA-256 of a string's UTF-8 bytes, lowercase hex: how keys and session tokens are stored. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return toHex(new Uint8Array(digest));
}

/**
 * Constant-time equality. workerd has `crypto.subtle.timingSafeEqual` (it throws on unequal
 * lengths, so lengths are checked first: our inputs are fixed-length digests, so the length
 * itself is no secret). Node has no such method; the XOR loop is the fallback for unit tests.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Row ids: a type prefix (`tnt_`, `usr_`, `key_`, `inv_`) and 96 random bits in hex — safe in URLs and object keys. */
export function newId(prefix: "tnt" | "usr" | "key" | "inv"): string {
  return `${prefix}_${toHex(randomBytes(12))}`;
}
