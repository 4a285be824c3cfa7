/**
 * The API key format. A key is `etk_`, 43 base64url characters (32 random bytes: 256 bits), then
 * a 6-character checksum: the CRC-32 of everything before it. The checksum is no secret — it
 * lets every Worker reject a mistyped, truncated or randomly forged key by arithmetic alone,
 * before any database read (a random key passes with odds of 1 in 2^32). Scanners that find
 * leaked secrets can tell our keys from noise the same way.
 *
 * Keys made before the checksum (`etk_` + 43 characters) keep working: their length tells them
 * apart. They cannot be checked offline, so a client that sends many unknown ones is throttled
 * instead (worker/middleware/auth.ts).
 */
import { randomBytes, toBase64Url } from "./crypto";

export const KEY_PREFIX = "etk_";
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const BODY = /^etk_[A-Za-z0-9_-]{43}/;
/** A key as made today: prefix, body, checksum. */
const CHECKED_KEY = /^etk_[A-Za-z0-9_-]{49}$/;
/** A key made before the checksum: prefix and body only. */
const LEGACY_KEY = /^etk_[A-Za-z0-9_-]{43}$/;

export type KeyShape = "checked" | "legacy" | "invalid";

export function newKeySecret(): string {
  const body = KEY_PREFIX + toBase64Url(randomBytes(32));
  return body + checksum(body);
}

/**
 * What a presented key is: `checked` (today's format, checksum right), `legacy` (made before the
 * checksum; only the database can tell), or `invalid` (anything else: refused unread).
 */
export function keyShape(text: string): KeyShape {
  if (CHECKED_KEY.test(text)) {
    const body = text.slice(0, KEY_PREFIX.length + BODY_LENGTH);
    return BODY.test(body) && text.slice(body.length) === checksum(body) ? "checked" : "invalid";
  }
  return LEGACY_KEY.test(text) ? "legacy" : "invalid";
}

/** CRC-32 (IEEE) of the ASCII text, as 6 base64url characters. */
export function checksum(text: string): string {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  const bytes = new Uint8Array([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]);
  return toBase64Url(bytes).slice(0, CHECKSUM_LENGTH);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
