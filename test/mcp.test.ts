/**
 * The MCP server and the trace digest route, end to end: HotROD traffic from the real OTel SDK
 * sent through the stock exporter, then read back by the official MCP SDK's Client over Streamable
 * HTTP — the same client assistants use — and through `GET /api/traces/{id}/digest`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans } from "./demo/traffic";
import { shopTraffic } from "./support/broken-shop";
import { exportSpans, exportSucceeded } from "./support/otel";
import { getJson, signUp, type TestTenant } from "./support/tenant";

const url = inject("serverUrl");

const TOOL_NAMES = ["list_services", "list_operations", "search_traces", "get_trace", "get_dependencies", "get_service_metrics", "find_broken_traces"];

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: "edgetrace-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return client;
}

/** A tool's answer as text, and whether the server flagged it as an error. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ text: string; isError: boolean }> {
  const result = await client.callTool({ name, arguments: args });
  const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return { text: content.map((c) => c.text ?? "").join("\n"), isError: result.isError === true };
}

let tenant: TestTenant;
let other: TestTenant;
let client: Client;
let spans: ReadableSpan[];
const traceOf = (match: (s: ReadableSpan) => boolean) => spans.find(match)?.spanContext().traceId ?? "";
let slow = "";
let deadlock = "";
let retried = "";
/** The shop request whose payments → ledger call lost its context (test/support/broken-shop.ts). */
let broken: { checkout: string; fragment: string };

beforeAll(async () => {
  [tenant, other] = await Promise.all([signUp(url, "MCP org"), signUp(url, "MCP other org")]);
  // 12 requests: #3 is the slow customer, #7 the deadlock, and some GetDriver times out (seed 5).
  ({ spans } = collectHotrodSpans({ requests: 12, seed: 5, now: Date.now() }));
  const nanos = (s: ReadableSpan) => s.duration[0] * 1e9 + s.duration[1];
  slow = traceOf((s) => s.name === "SELECT customer" && nanos(s) > 400e6);
  deadlock = traceOf((s) => s.name === "SELECT customer" && s.status.code === SpanStatusCode.ERROR);
  retried = traceOf((s) => s.name === "GetDriver" && s.status.code === SpanStatusCode.ERROR);
  expect([slow, deadlock, retried].every(Boolean), "the traffic holds a slow query, a deadlock and a GetDriver timeout").toBe(true);
  for (let i = 0; i < spans.length; i += 512) {
    const result = await exportSpans(url, tenant.ingestKey, spans.slice(i, i + 512), { kind: "protobuf", gzip: true });
    expect(exportSucceeded(result), String(result.error)).toBe(true);
  }
  const shop = shopTraffic(Date.now() - 120_000);
  broken = shop.result;
  // One request for the three services (one resource each): sent apart, a loaded machine can let a
  // trace go quiet between them, and a trace completed in pieces is not judged (no false alarms).
  const shopSpans = (await Promise.all(shop.services.map((service) => service.finished()))).flat();
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, shopSpans, { kind: "protobuf" }))).toBe(true);
  // Until every trace has completed (the dependency graph and metrics are computed then) and the
  // broken checkout was judged.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = (await getJson<{ openTraces: number }>(`${url}/api/usage`, tenant.readKey)).body.openTraces;
    const found = (await getJson<{ findings: Array<{ traceId: string }> }>(`${url}/api/broken-traces?lookback=1h`, tenant.readKey)).body.findings ?? [];
    if (open === 0 && found.some((f) => f.traceId === broken.fragment)) break;
    if (Date.now() > deadline) throw new Error("traces did not complete and the broken checkout was not found within 60 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  client = await connect(tenant.readKey);
});

afterAll(async () => {
  await client?.close();
});

describe("the MCP server", () => {
  it("lists its tools, each with a description and an input schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.annotations?.readOnlyHint).toBe(true);
    }
    const search = tools.find((t) => t.name === "search_traces");
    expect(Object.keys(search?.inputSchema.properties ?? {})).toEqual(["service", "operation", "tags", "minDuration", "maxDuration", "lookback", "limit"]);
    expect(tools.find((t) => t.name === "get_trace")?.inputSchema.required).toEqual(["traceId"]);
  });

  it("lists services and a service's operations", async () => {
    const services = await call(client, "list_services");
    expect(services.isError).toBe(false);
    const listed = services.text.split("\n");
    expect(listed[0]).toBe("9 services:"); // HotROD's six and the shop's three
    for (const name of ["frontend", "customer", "driver", "route", "eta-planner", "notification", "shop", "payments", "ledger"]) expect(listed).toContain(`- ${name}`);
    const operations = await call(client, "list_operations", { service: "driver" });
    expect(operations.text).toContain("- GetDriver (client)");
    expect(operations.text).toContain("- driver.DriverService/FindNearest (server)");
    expect((await call(client, "list_operations", { service: "nope" })).text).toBe('No operations for service "nope": check the name with list_services.');
  });

  it("searches traces and answers one line per trace with its id and link", async () => {
    const slowOnes = await call(client, "search_traces", { service: "customer", operation: "SELECT customer", minDuration: "400ms", lookback: "1h" });
    expect(slowOnes.isError).toBe(false);
    expect(slowOnes.text).toMatch(/^\d+ traces?, newest first:\n- [0-9a-f]{32} · /);
    expect(slowOnes.text).toContain(`${slow} · `);
    expect(slowOnes.text).toContain(`· ${url}/trace/${slow}`);
    const failed = await call(client, "search_traces", { tags: { error: "true", "db.response.status_code": "1213" }, lookback: "1h" });
    expect(failed.text).toContain(deadlock);
    expect(failed.text).toMatch(/frontend: GET \/dispatch · \d+ ms, 4 spans, 4 errors/);
    const limited = await call(client, "search_traces", { service: "frontend", limit: 2 });
    expect(limited.text.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(2);
  });

  it("refuses malformed tool arguments with the reason", async () => {
    const badDuration = await call(client, "search_traces", { minDuration: "fast" });
    expect(badDuration).toMatchObject({ isError: true });
    expect(badDuration.text).toContain("unable to parse param 'minDuration'");
    const badLimit = await call(client, "search_traces", { limit: 5000 });
    expect(badLimit.isError).toBe(true);
    expect(badLimit.text).toMatch(/limit/);
    const badId = await call(client, "get_trace", { traceId: "not-hex" });
    expect(badId).toEqual({ isError: true, text: 'trace id must be 1 to 32 hex digits, got "not-hex"' });
    const badLookback = await call(client, "get_dependencies", { lookback: "100d" });
    expect(badLookback).toEqual({ isError: true, text: "'lookback' must be at most 92 days" });
    expect((await call(client, "get_service_metrics", {})).isError).toBe(true);
  });

  it("explains a trace with the digest: the slow query, the deadlock, the redis retries", async () => {
    const slowDigest = await call(client, "get_trace", { traceId: slow });
    expect(slowDigest.isError).toBe(false);
    expect(slowDigest.text).toContain(`# Trace ${slow}: frontend GET /dispatch`);
    expect(slowDigest.text).toMatch(/One slow dependency: mysql holds \d+% of the critical path/);
    expect(slowDigest.text).toContain("SELECT * FROM customer WHERE customer_id=?");
    expect(slowDigest.text).toMatch(/Waiting for lock behind \d transactions/);

    const deadlockDigest = await call(client, "get_trace", { traceId: deadlock });
    expect(deadlockDigest.text).toContain("**customer: SELECT customer** (origin): Deadlock found when trying to get lock; try restarting transaction");
    expect(deadlockDigest.text).toContain("exception: ER_LOCK_DEADLOCK");

    const retryDigest = await call(client, "get_trace", { traceId: retried });
    expect(retryDigest.text).toMatch(/(Retries|Retry storm): GetDriver \(driver\) retried \d+ times?/);
    expect(retryDigest.text).toContain("RedisTimeoutError: redis timeout");
    expect(retryDigest.text).toMatch(/GetDriver \(driver\) ×\d+, [\d.]+–[\d.]+ ms/);
    // Links go back to this server's trace view.
    expect(retryDigest.text).toContain(`Open in edgetrace: ${url}/trace/${retried}`);
  });

  it("answers the dependency graph and a service's RED metrics from the stored aggregates", async () => {
    const graph = await call(client, "get_dependencies", { lookback: "2h" });
    expect(graph.isError).toBe(false);
    expect(graph.text).toMatch(/- frontend → customer: 12 calls, 1 error \(8\.3%\), p50 \d+(\.\d{1,2})? ms, p95 \d+(\.\d{1,2})? ms/);
    expect(graph.text).toMatch(/- customer → mysql \(database\): 12 calls, 1 error/);
    expect(graph.text).toContain("Entry points (requests from outside): frontend (12)");
    const metrics = await call(client, "get_service_metrics", { service: "frontend", lookback: "2h" });
    expect(metrics.isError).toBe(false);
    expect(metrics.text).toMatch(/^frontend over the last 2h: 12 calls, 1 error \(8\.3%\)/);
    expect(metrics.text).toMatch(/\| GET \/dispatch \| server \| 12 \| 8\.3% \|/);
    expect((await call(client, "get_service_metrics", { service: "nobody" })).text).toContain('No server or consumer spans of "nobody"');
  });

  it("finds the broken checkout, naming payments with the fragments, and filters by suspect", async () => {
    const found = await call(client, "find_broken_traces", { lookback: "1h" });
    expect(found.isError).toBe(false);
    expect(found.text).toMatch(/^1 broken trace in the last 1h; by suspect service: payments \(1\)/);
    expect(found.text).toContain(`trace ${broken.fragment} (${url}/trace/${broken.fragment}): suspect **payments**`);
    expect(found.text).toContain(broken.checkout);
    // None of the HotROD traffic is blamed.
    expect(found.text).not.toMatch(/frontend|driver|customer/);
    const none = await call(client, "find_broken_traces", { lookback: "1h", service: "shop" });
    expect(none.text).toBe("No broken propagation found in the last 1h blamed on shop.");
    const tooLong = await call(client, "find_broken_traces", { lookback: "7d" });
    expect(tooLong.isError).toBe(true);
    expect(tooLong.text).toContain("at most 24h");
  });

  it("shows a tenant only its own traces", async () => {
    const stranger = await connect(other.readKey);
    try {
      expect((await call(stranger, "list_services")).text).toBe("No services yet: nothing has been traced in this account's retention period.");
      const trace = await call(stranger, "get_trace", { traceId: slow });
      expect(trace).toMatchObject({ isError: true });
      expect(trace.text).toContain(`trace ${slow} not found in this account`);
      expect((await call(stranger, "search_traces", { service: "frontend" })).text).toMatch(/^No trace matches/);
      expect((await call(stranger, "find_broken_traces", {})).text).toBe("No broken propagation found in the last 1h.");
      expect((await call(stranger, "get_dependencies", {})).text).toBe("No calls recorded in that period.");
    } finally {
      await stranger.close();
    }
  });

  it("refuses no key, an unknown key and an ingest-only key, saying why", async () => {
    const initialize = (authorization?: string) =>
      fetch(`${url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }),
      });
    const none = await initialize();
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/^missing API key/);
    const unknown = await initialize("Bearer etk_not_a_key_at_all");
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe("invalid or revoked API key");
    const ingestOnly = await initialize(`Bearer ${tenant.ingestKey}`);
    expect(ingestOnly.status).toBe(403);
    expect(((await ingestOnly.json()) as { error: { message: string } }).error.message).toBe('this API key lacks the "read" scope');
    // A browser session does not open the MCP server, only a key does.
    expect((await fetch(`${url}/mcp`, { method: "POST", headers: { cookie: tenant.cookie, "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    // And the official client fails to connect with an ingest key.
    await expect(connect(tenant.ingestKey)).rejects.toThrow(/403|read/);
    // The reader's key works: so the refusals above are about the keys, not the request.
    const ok = await initialize(`Bearer ${tenant.readKey}`);
    expect(ok.status).toBe(200);
  });

  it("answers malformed JSON-RPC and other methods with a 4xx", async () => {
    const headers = { authorization: `Bearer ${tenant.readKey}`, "content-type": "application/json", accept: "application/json, text/event-stream" };
    const garbage = await fetch(`${url}/mcp`, { method: "POST", headers, body: "{not json" });
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toContain("Parse error");
    const text = await fetch(`${url}/mcp`, { method: "POST", headers: { ...headers, "content-type": "text/plain" }, body: "{}" });
    expect(text.status).toBe(415);
    const huge = await fetch(`${url}/mcp`, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(300_000) } }) });
    expect(huge.status).toBe(413);
    const unknownTool = await call(client, "find_everything").catch((error: Error) => ({ text: error.message, isError: true }));
    expect(unknownTool.isError).toBe(true);
    expect(unknownTool.text).toContain("find_everything");
    const get = await fetch(`${url}/mcp`, { headers: { authorization: `Bearer ${tenant.readKey}`, accept: "text/event-stream" } });
    expect(get.status).toBe(405);
    expect(((await get.json()) as { error: { message: string } }).error.message).toContain("stateless");
  });
});

describe("GET /api/traces/{id}/digest", () => {
  it("answers Markdown by default and JSON when asked", async () => {
    const markdown = await fetch(`${url}/api/traces/${slow}/digest`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    const text = await markdown.text();
    expect(text).toContain(`# Trace ${slow}`);
    expect(text).toContain("## Critical path");

    const json = await fetch(`${url}/api/traces/${slow}/digest`, { headers: { authorization: `Bearer ${tenant.readKey}`, accept: "application/json" } });
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    const digest = (await json.json()) as { traceId: string; url: string; patterns: Array<{ kind: string }>; criticalPath: { steps: Array<{ operation: string; onPathMs: number }> } };
    expect(digest.traceId).toBe(slow);
    expect(digest.url).toBe(`${url}/trace/${slow}`);
    expect(digest.patterns.map((p) => p.kind)).toContain("slow-dependency");
  });

  it("reads with the web app's session too", async () => {
    const response = await fetch(`${url}/api/traces/${deadlock}/digest`, { headers: { cookie: tenant.cookie } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("ER_LOCK_DEADLOCK");
  });

  it("refuses without credentials, with an ingest key, a bad id, and another tenant's trace", async () => {
    expect((await fetch(`${url}/api/traces/${slow}/digest`)).status).toBe(401);
    expect((await fetch(`${url}/api/traces/${slow}/digest`, { headers: { authorization: `Bearer ${tenant.ingestKey}` } })).status).toBe(403);
    const bad = await getJson<{ errors: Array<{ msg: string }> }>(`${url}/api/traces/xyz/digest`, tenant.readKey);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.msg).toBe('trace id must be 1 to 32 hex digits, got "xyz"');
    const foreign = await getJson<{ error: { message: string } }>(`${url}/api/traces/${slow}/digest`, other.readKey);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.message).toBe(`trace ${slow} not found`);
  });
});
