/**
 * API key management (list, create, revoke) on the shared `wrangler dev` server, and what a
 * revoked or foreign key can still do: nothing.
 */
import { describe, expect, inject, it } from "vitest";

const url = inject("serverUrl");

interface Tenant {
  cookie: string;
  tenantId: string;
  ingestKey: { id: string; key: string };
}

interface KeyListing {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  limits: { spansPerSecond: number | null; spansPerDay: number | null };
}

interface CreatedKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: number;
  limits: { spansPerSecond: number | null; spansPerDay: number | null };
  key: string;
}

async function signUp(): Promise<Tenant> {
  const email = `keys-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const response = await fetch(`${url}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse battery", organization: "Keys Inc" }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { tenant: { id: string }; apiKey: { id: string; key: string } };
  const cookie = (response.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  return { cookie, tenantId: body.tenant.id, ingestKey: body.apiKey };
}

function createKey(tenant: Tenant, body: unknown): Promise<Response> {
  return fetch(`${url}/api/keys`, { method: "POST", headers: { "content-type": "application/json", cookie: tenant.cookie }, body: JSON.stringify(body) });
}

async function createdKey(tenant: Tenant, name: string, scopes: string[]): Promise<CreatedKey> {
  const response = await createKey(tenant, { name, scopes });
  expect(response.status).toBe(201);
  return (await response.json()) as CreatedKey;
}

async function listKeys(tenant: Tenant): Promise<{ text: string; keys: KeyListing[] }> {
  const response = await fetch(`${url}/api/keys`, { headers: { cookie: tenant.cookie } });
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, keys: (JSON.parse(text) as { keys: KeyListing[] }).keys };
}

function revoke(tenant: Tenant, id: string): Promise<Response> {
  return fetch(`${url}/api/keys/${encodeURIComponent(id)}`, { method: "DELETE", headers: { cookie: tenant.cookie } });
}

/** An empty OTLP/JSON export: 200 with a valid ingest key, so it isolates authentication. */
function ingest(key: string): Promise<Response> {
  return fetch(`${url}/v1/traces`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: "{}" });
}

describe("POST /api/keys", () => {
  it("creates a key with the requested scopes and shows the secret once", async () => {
    const tenant = await signUp();
    const before = Date.now();
    const key = await createdKey(tenant, "grafana", ["read"]);
    expect(key).toEqual({
      id: expect.stringMatching(/^key_/),
      name: "grafana",
      prefix: key.key.slice(0, 12),
      scopes: ["read"],
      createdAt: expect.any(Number),
      limits: { spansPerSecond: null, spansPerDay: null },
      key: expect.stringMatching(/^etk_[A-Za-z0-9_-]{49}$/),
    });
    expect(key.createdAt).toBeGreaterThanOrEqual(before - 5_000);
    const read = await fetch(`${url}/api/traces/0123456789abcdef`, { headers: { "x-api-key": key.key } });
    expect(read.status).toBe(404);
  });

  it("drops duplicate scopes and accepts both", async () => {
    const tenant = await signUp();
    const key = await createdKey(tenant, "both", ["read", "ingest", "read"]);
    expect(key.scopes).toEqual(["ingest", "read"]);
    expect((await ingest(key.key)).status).toBe(200);
  });

  it.each([
    ["an empty name", { name: "", scopes: ["read"] }, "name"],
    ["a blank name", { name: "   ", scopes: ["read"] }, "name"],
    ["a 101-character name", { name: "n".repeat(101), scopes: ["read"] }, "name"],
    ["a name that is not a string", { name: 7, scopes: ["read"] }, "name"],
    ["no scopes", { name: "k" }, "scopes"],
    ["an empty scope list", { name: "k", scopes: [] }, "scopes"],
    ["an unknown scope", { name: "k", scopes: ["read", "admin"] }, "scopes"],
    ["scopes as a string", { name: "k", scopes: "read" }, "scopes"],
  ])("rejects %s with 400 naming the field", async (_, body, field) => {
    const tenant = await signUp();
    const response = await createKey(tenant, body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; field?: string } };
    expect(error).toMatchObject({ code: "bad_request", field });
  });

  it("accepts a 100-character name", async () => {
    const tenant = await signUp();
    expect((await createdKey(tenant, "n".repeat(100), ["ingest"])).name).toHaveLength(100);
  });
});

describe("GET /api/keys", () => {
  it("lists the tenant's keys without their secrets or hashes", async () => {
    const tenant = await signUp();
    const created = await createdKey(tenant, "ci", ["ingest", "read"]);
    const { text, keys } = await listKeys(tenant);
    expect(keys.map((k) => k.id)).toEqual([tenant.ingestKey.id, created.id]);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(["createdAt", "id", "lastUsedAt", "limits", "name", "prefix", "revokedAt", "scopes"]);
      expect(key.prefix).toMatch(/^etk_.{8}$/);
    }
    expect(keys[1]).toEqual({ ...created, key: undefined, lastUsedAt: null, revokedAt: null });
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(tenant.ingestKey.key);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });

  it("records when a key was last used", async () => {
    const tenant = await signUp();
    expect((await ingest(tenant.ingestKey.key)).status).toBe(200);
    // Written after the response (waitUntil): poll briefly.
    let lastUsedAt: number | null = null;
    for (let i = 0; i < 50 && lastUsedAt === null; i++) {
      lastUsedAt = (await listKeys(tenant)).keys[0]?.lastUsedAt ?? null;
      if (lastUsedAt === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lastUsedAt).toEqual(expect.any(Number));
  });
});

describe("DELETE /api/keys/:id", () => {
  it("revokes a key: 204, listed with revokedAt, and refused by ingest within 60 s", async () => {
    const tenant = await signUp();
    const key = await createdKey(tenant, "short-lived", ["ingest"]);
    expect((await ingest(key.key)).status).toBe(200);
    expect((await revoke(tenant, key.id)).status).toBe(204);

    const listed = (await listKeys(tenant)).keys.find((k) => k.id === key.id);
    expect(listed?.revokedAt).toEqual(expect.any(Number));

    // Other isolates may accept a revoked key until their cache entry expires (≤ 30 s).
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await ingest(key.key)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(status).toBe(401);
    // The tenant's other key is untouched.
    expect((await ingest(tenant.ingestKey.key)).status).toBe(200);
  });

  it("keeps the first revocation time when revoked twice", async () => {
    const tenant = await signUp();
    const key = await createdKey(tenant, "twice", ["read"]);
    expect((await revoke(tenant, key.id)).status).toBe(204);
    const first = (await listKeys(tenant)).keys.find((k) => k.id === key.id)?.revokedAt;
    await new Promise((r) => setTimeout(r, 20));
    expect((await revoke(tenant, key.id)).status).toBe(204);
    expect((await listKeys(tenant)).keys.find((k) => k.id === key.id)?.revokedAt).toBe(first);
  });

  it("answers 404 for an unknown id", async () => {
    const tenant = await signUp();
    const response = await revoke(tenant, "key_000000000000000000000000");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("tenant isolation", () => {
  it("hides one tenant's keys from another: not listed, and revoking them is 404", async () => {
    const a = await signUp();
    const b = await signUp();
    const aRead = await createdKey(a, "a-read", ["read"]);

    const bKeys = (await listKeys(b)).keys.map((k) => k.id);
    expect(bKeys).toEqual([b.ingestKey.id]);

    for (const id of [a.ingestKey.id, aRead.id]) expect((await revoke(b, id)).status).toBe(404);
    expect((await listKeys(a)).keys.every((k) => k.revokedAt === null)).toBe(true);
    expect((await ingest(a.ingestKey.key)).status).toBe(200);
  });
});

describe("authentication of key management", () => {
  it("requires a logged-in user: no cookie is 401 on list, create and revoke", async () => {
    const tenant = await signUp();
    const anonymous = { ...tenant, cookie: "" };
    expect((await fetch(`${url}/api/keys`)).status).toBe(401);
    expect((await createKey(anonymous, { name: "x", scopes: ["read"] })).status).toBe(401);
    expect((await revoke(anonymous, tenant.ingestKey.id)).status).toBe(401);
  });

  it("does not accept an API key in place of the session", async () => {
    const tenant = await signUp();
    const key = await createdKey(tenant, "all", ["ingest", "read"]);
    const response = await fetch(`${url}/api/keys`, { headers: { "x-api-key": key.key, authorization: `Bearer ${key.key}` } });
    expect(response.status).toBe(401);
  });
});
