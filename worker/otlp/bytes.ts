/** Byte ↔ text conversions the OTLP encodings need (ids as hex, bytes attributes as base64). */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = "";
  for (let i = start; i < end; i++) out += HEX[bytes[i] as number];
  return out;
}

/** Value of each hex digit by char code (either case); anything else reads as 0, as parseInt's NaN did. */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  NIBBLE[i.toString(16).charCodeAt(0)] = i;
  NIBBLE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

/**
 * Hex (even length, already validated) to bytes. A table rather than parseInt(slice): the ids of
 * every JSON span are re-encoded at ingest, and parseInt made up a third of the encoding time.
 */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    out[i] = ((NIBBLE[hex.charCodeAt(j) & 0x7f] as number) << 4) | (NIBBLE[hex.charCodeAt(j + 1) & 0x7f] as number);
  }
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
