/**
 * The audit trail's bounds against the real D1 schema: each organisation keeps at most the newest
 * AUDIT_MAX_EVENTS events within AUDIT_RETENTION_MS, and failed sign-ins are capped apart so a
 * flood of them cannot push out key and member events. One organisation's pruning leaves
 * another's events alone.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AUDIT_MAX_EVENTS, AUDIT_MAX_FAILURES, AUDIT_RETENTION_MS, listAudit, recordAudit } from "../../worker/accounts/audit";

const where = { ip: "203.0.113.9", userAgent: "audit-bounds" };
const actor = { id: "usr_test", email: "a@example.test" };

async function count(tenantId: string, action?: string): Promise<number> {
  const sql = action ? "SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action = ?" : "SELECT count(*) AS n FROM audit_events WHERE tenant_id = ?";
  const statement = action ? env.DB.prepare(sql).bind(tenantId, action) : env.DB.prepare(sql).bind(tenantId);
  return (await statement.first<{ n: number }>())?.n ?? 0;
}

describe("audit trail bounds", () => {
  it("keeps the newest events per organisation, and failed sign-ins apart", async () => {
    const org = `tnt_audit_${crypto.randomUUID().slice(0, 8)}`;
    const neighbour = `tnt_audit_${crypto.randomUUID().slice(0, 8)}`;
    const now = Date.now();
    await recordAudit(env.DB, { tenantId: neighbour, action: "key.create", actor, target: { id: "key_n" }, where }, now);
    for (let i = 0; i < AUDIT_MAX_EVENTS + 5; i++) {
      await recordAudit(env.DB, { tenantId: org, action: "key.create", actor, target: { n: i }, where }, now + i);
    }
    expect(await count(org)).toBe(AUDIT_MAX_EVENTS);
    const newest = await listAudit(env.DB, org, 1);
    expect(newest[0]?.target).toEqual({ n: AUDIT_MAX_EVENTS + 4 });

    for (let i = 0; i < AUDIT_MAX_FAILURES + 50; i++) {
      await recordAudit(env.DB, { tenantId: org, action: "signin.failure", actor, where }, now + 10_000 + i);
    }
    // The failures stop at their own cap; the key events they came after are all still there.
    expect(await count(org, "signin.failure")).toBe(AUDIT_MAX_FAILURES);
    expect(await count(org, "key.create")).toBe(AUDIT_MAX_EVENTS);
    expect(await count(neighbour)).toBe(1);
  });

  it("forgets events older than the retention period", async () => {
    const org = `tnt_audit_${crypto.randomUUID().slice(0, 8)}`;
    const now = Date.now();
    await recordAudit(env.DB, { tenantId: org, action: "signin", actor, where }, now - AUDIT_RETENTION_MS - 1);
    await recordAudit(env.DB, { tenantId: org, action: "signin", actor, where }, now - AUDIT_RETENTION_MS + 60_000);
    expect(await count(org)).toBe(2);
    await recordAudit(env.DB, { tenantId: org, action: "key.revoke", actor, where }, now);
    const left = await listAudit(env.DB, org, 10);
    expect(left.map((e) => e.action)).toEqual(["key.revoke", "signin"]);
    expect(left[0]).toMatchObject({ ip: "203.0.113.9", userAgent: "audit-bounds", actor });
  });
});
