import { describe, expect, it } from "vitest";
import { fromBase64 } from "./crypto";
import { hashPassword, PASSWORD_ITERATIONS, verifyPassword } from "./passwords";

describe("passwords", () => {
  it("hashes with PBKDF2 at workerd's 100,000-iteration cap and a 16-byte salt", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(stored.iterations).toBe(PASSWORD_ITERATIONS);
    expect(PASSWORD_ITERATIONS).toBe(100_000);
    expect(fromBase64(stored.salt)).toHaveLength(16);
    expect(fromBase64(stored.hash)).toHaveLength(32);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("salts each hash: the same password hashes differently twice", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
  });

  it("verifies with the stored iteration count, so the default can change later", async () => {
    const stored = await hashPassword("older password", 1_000);
    expect(await verifyPassword("older password", stored)).toBe(true);
    expect(await verifyPassword("older password", { ...stored, iterations: 1_001 })).toBe(false);
  });
});
