/**
 * Session lifetimes against the real D1 schema, with the clock passed in: a session unused for
 * the idle timeout is refused though its 30-day expiry is far off; use keeps it alive; and the
 * use is written only every few minutes, not on every request.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createSession, findSession, SESSION_IDLE_MS } from "../../worker/accounts/sessions";
import { signUp } from "./helpers";

const MINUTE = 60_000;

async function lastSeen(userId: string): Promise<number[]> {
  const { results } = await env.DB.prepare("SELECT last_seen_at AS at FROM sessions WHERE user_id = ? ORDER BY created_at").bind(userId).all<{ at: number }>();
  return results.map((r) => r.at);
}

describe("session idle timeout", () => {
  it("refuses a session idle for longer than the timeout, and keeps one in use alive", async () => {
    const tenant = await signUp();
    const start = Date.now();
    const token = await createSession(env.DB, tenant.userId, tenant.tenantId, start);

    const found = await findSession(env.DB, token, start + SESSION_IDLE_MS - MINUTE);
    expect(found?.session).toMatchObject({ userId: tenant.userId, tenantId: tenant.tenantId, role: "owner" });
    // That use was recorded (it was due), so the idle clock starts again from it.
    await found?.touch;
    expect(await findSession(env.DB, token, start + 2 * SESSION_IDLE_MS - 2 * MINUTE)).not.toBeNull();

    const idle = await createSession(env.DB, tenant.userId, tenant.tenantId, start);
    expect(await findSession(env.DB, idle, start + SESSION_IDLE_MS + 1)).toBeNull();
  });

  it("writes last use at most every five minutes", async () => {
    const tenant = await signUp();
    const start = Date.now();
    const token = await createSession(env.DB, tenant.userId, tenant.tenantId, start);
    const early = await findSession(env.DB, token, start + 4 * MINUTE);
    expect(early?.touch).toBeUndefined();
    const due = await findSession(env.DB, token, start + 6 * MINUTE);
    await due?.touch;
    expect(await lastSeen(tenant.userId)).toContain(start + 6 * MINUTE);
  });
});
