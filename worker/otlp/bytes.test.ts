import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes } from "./bytes";

describe("hex", () => {
  it("round-trips every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToHex(all)).toBe(Buffer.from(all).toString("hex"));
    expect(hexToBytes(bytesToHex(all))).toEqual(all);
  });

  it("reads upper-case hex like lower-case", () => {
    expect(hexToBytes("0AF7651916CD43DD")).toEqual(hexToBytes("0af7651916cd43dd"));
    expect(bytesToHex(hexToBytes("0AF7651916CD43DD"))).toBe("0af7651916cd43dd");
  });

  it("converts a sub-range of a buffer", () => {
    expect(bytesToHex(Uint8Array.from([1, 2, 3, 4]), 1, 3)).toBe("0203");
  });
});

describe("base64", () => {
  it("round-trips bytes of every length around a chunk boundary", () => {
    for (const length of [0, 1, 2, 3, 4, 0x7fff, 0x8000, 0x8001, 100_000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31) & 0xff);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(base64ToBytes(text)).toEqual(bytes);
    }
  });

  it("throws on text that is not base64", () => {
    expect(() => base64ToBytes("not base64!")).toThrow();
  });
});
