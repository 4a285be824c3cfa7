import { describe, expect, it } from "vitest";
import { checksum, keyShape, newKeySecret } from "./key-format";

describe("the API key format", () => {
  it("makes keys that carry their checksum", () => {
    for (let i = 0; i < 100; i++) {
      const key = newKeySecret();
      expect(key).toMatch(/^etk_[A-Za-z0-9_-]{49}$/);
      expect(keyShape(key)).toBe("checked");
    }
  });

  it("refuses a key with any one character changed, or cut short", () => {
    const key = newKeySecret();
    for (let i = 4; i < key.length; i++) {
      const changed = key.slice(0, i) + (key[i] === "A" ? "B" : "A") + key.slice(i + 1);
      expect(keyShape(changed), `position ${i}`).toBe("invalid");
    }
    expect(keyShape(key.slice(0, -1))).toBe("invalid");
    expect(keyShape(`${key}A`)).toBe("invalid");
  });

  it("recognises a key made before the checksum by its length, and nothing else as one", () => {
    expect(keyShape(`etk_${"a".repeat(43)}`)).toBe("legacy");
    for (const text of ["", "etk_", `etk_${"a".repeat(42)}`, `xtk_${"a".repeat(43)}`, `etk_${"a".repeat(42)}=`, `etk_${"a".repeat(48)}`]) {
      expect(keyShape(text), text).toBe("invalid");
    }
  });

  it("computes the standard CRC-32", () => {
    // CRC-32("123456789") = 0xCBF43926 → bytes cb f4 39 26 → base64url "y_Q5Jg".
    expect(checksum("123456789")).toBe("y_Q5Jg");
  });
});
