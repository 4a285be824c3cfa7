import { describe, expect, it } from "vitest";
import { api } from "./client";

/** A fetch that answers `status` with `body` and remembers what it was asked. */
function answering(status: number, body = "") {
  const calls: Array<{ path: string; method: string; body: unknown }> = [];
  const fake = async (path: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ path: String(path), method: init?.method ?? "GET", body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(status === 204 || body === "" ? null : body, { status });
  };
  return { fetch: fake as typeof fetch, calls };
}

const jaeger404 = JSON.stringify({ data: null, errors: [{ code: 404, msg: "trace not found" }] });

describe("the archive calls", () => {
  it("reads a 200 as archived and a 404 as not, asking with HEAD for no body", async () => {
    const yes = answering(200);
    expect(await api.isArchived("abc123", { fetch: yes.fetch })).toBe(true);
    expect(yes.calls).toEqual([{ path: "/api/archive/abc123", method: "HEAD", body: undefined }]);
    expect(await api.isArchived("abc123", { fetch: answering(404).fetch })).toBe(false);
  });

  it("lets any other failure through, so the page can say the status is unknown", async () => {
    await expect(api.isArchived("abc123", { fetch: answering(503).fetch })).rejects.toMatchObject({ status: 503 });
  });

  it("archives with POST and reports a trace the server does not have", async () => {
    const ok = answering(200, JSON.stringify({ data: [], total: 0, limit: 0, offset: 0, errors: [] }));
    await api.archive("abc123", { fetch: ok.fetch });
    expect(ok.calls[0]).toMatchObject({ path: "/api/archive/abc123", method: "POST" });
    await expect(api.archive("abc123", { fetch: answering(404, jaeger404).fetch })).rejects.toMatchObject({ status: 404, message: "trace not found" });
  });

  it("releases with DELETE, and takes 'was not archived' as released", async () => {
    const ok = answering(204);
    await api.release("abc123", { fetch: ok.fetch });
    expect(ok.calls[0]).toMatchObject({ path: "/api/archive/abc123", method: "DELETE" });
    await expect(api.release("abc123", { fetch: answering(404, jaeger404).fetch })).resolves.toBeUndefined();
    await expect(api.release("abc123", { fetch: answering(500).fetch })).rejects.toMatchObject({ status: 500 });
  });
});

describe("the settings and account calls", () => {
  it("sends the new retention as the only key and returns the settings the server kept", async () => {
    const settings = { retentionDays: 7, retentionLimits: { min: 1, max: 90 }, shards: 1 };
    const ok = answering(200, JSON.stringify(settings));
    expect(await api.saveSettings({ retentionDays: 7 }, { fetch: ok.fetch })).toEqual(settings);
    expect(ok.calls).toEqual([{ path: "/api/settings", method: "PUT", body: { retentionDays: 7 } }]);
  });

  it("sends the password to delete the account, and hands back the server's refusal as it is", async () => {
    const refused = answering(403, JSON.stringify({ error: { code: "forbidden", message: "wrong password: the account was not deleted" } }));
    await expect(api.deleteAccount("hunter2", { fetch: refused.fetch })).rejects.toMatchObject({ status: 403, message: "wrong password: the account was not deleted" });
    expect(refused.calls).toEqual([{ path: "/api/account", method: "DELETE", body: { password: "hunter2" } }]);
  });
});
