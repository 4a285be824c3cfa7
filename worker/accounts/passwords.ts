/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto with a random 16-byte salt per user.
 * workerd refuses more than 100,000 iterations, so that is what we use; the count is stored with
 * each hash so it can be raised later (rehash on login) without breaking existing users.
 */
import { fromBase64, randomBytes, timingSafeEqual, toBase64 } from "./crypto";

export const PASSWORD_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

export interface PasswordHash {
  /** base64 */
  hash: string;
  /** base64 */
  salt: string;
  iterations: number;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations = PASSWORD_ITERATIONS): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  return { hash: toBase64(await derive(password, salt, iterations)), salt: toBase64(salt), iterations };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const actual = await derive(password, fromBase64(stored.salt), stored.iterations);
  return timingSafeEqual(actual, fromBase64(stored.hash));
}

/**
 * Spend the same PBKDF2 work as a real check when the email is unknown, so the response time
 * does not tell an attacker which emails have accounts.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  await derive(password, randomBytes(SALT_BYTES), PASSWORD_ITERATIONS);
}
