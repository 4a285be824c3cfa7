/**
 * What sign-up answers for an email that already has an account: exactly what it answers for a
 * new one (201, a tenant, a user, an ingest key, a session cookie), built from fresh random values
 * and stored nowhere. Nothing is created and the existing account is untouched; its session and
 * key simply do not work. So sign-up cannot be used to learn who has an account — the owner of the
 * email logs in instead (and, once the service can send mail, is told there).
 *
 * Timing: the route pays one password hash and one D1 batch either way (the decoy is answered
 * after the batch failed on the unique email), so the time taken tells nothing either.
 */
import type { Scope } from "./api-keys";
import { DEFAULT_INGEST_KEY_NAME, generateKey } from "./api-keys";
import { newId, randomBytes, toBase64Url } from "./crypto";
import type { Account } from "./users";

export interface SignupAnswer {
  account: Account;
  apiKey: { id: string; name: string; key: string; scopes: Scope[] };
  sessionToken: string;
}

export function decoySignup(email: string, organization: string): SignupAnswer {
  return {
    account: { tenant: { id: newId("tnt"), name: organization }, user: { id: newId("usr"), email } },
    apiKey: { id: newId("key"), name: DEFAULT_INGEST_KEY_NAME, key: generateKey().key, scopes: ["ingest"] },
    // Same form as a real session token (sessions.ts), so the cookie looks no different.
    sessionToken: toBase64Url(randomBytes(32)),
  };
}
