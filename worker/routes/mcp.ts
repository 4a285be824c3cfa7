/**
 * `/mcp`: the MCP server (Streamable HTTP, stateless) for assistants such as Claude to query this
 * account's traces. Only a `read` API key opens it, sent as `Authorization: Bearer <key>`: no key
 * or an unknown one is 401, an ingest-only key 403, each with the reason. A browser session does
 * not count, so a page elsewhere cannot drive the tools with a user's cookie.
 */
import { Hono } from "hono";
import { requireApiKey } from "../middleware/auth";

export const mcpRoutes = new Hono<{ Bindings: Env }>();

/** A tool call's arguments are small; a larger body is refused before it is parsed. */
const MAX_BODY = 256 * 1024;

/**
 * The SDK with zod and ajv is ~1.4 MiB of the bundle (740 → 2,176 KiB; gzip 169 → 415 KiB), and
 * evaluating it took 160–540 ms in Node on this shared machine: loaded on the first /mcp request
 * (the bundler keeps a dynamic import lazy), so isolates serving ingest and the UI never run it.
 */
const loadMcp = () => Promise.all([import("../mcp/server"), import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js")]);

mcpRoutes.post("/mcp", requireApiKey("read"), async (c) => {
  const [{ createMcpServer }, { WebStandardStreamableHTTPServerTransport }] = await loadMcp();
  const server = createMcpServer({ env: c.env, tenant: c.get("tenant"), origin: new URL(c.req.url).origin, now: Date.now() });
  // Stateless (no session ids) and plain JSON answers: nothing is streamed, nothing outlives the request.
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: MAX_BODY });
  await server.connect(transport);
  try {
    return await transport.handleRequest(c.req.raw);
  } finally {
    // JSON responses are complete once returned: closing frees the server's handlers.
    c.executionCtx.waitUntil(server.close());
  }
});

// The stateless server offers no server-initiated stream (GET) and has no session to end (DELETE);
// the Streamable HTTP spec has the server answer 405, which clients take as "not offered".
mcpRoutes.on(["GET", "DELETE"], "/mcp", requireApiKey("read"), (c) =>
  c.json({ jsonrpc: "2.0", error: { code: -32000, message: `${c.req.method} is not offered: this MCP server is stateless; send JSON-RPC requests with POST` }, id: null }, 405, { allow: "POST" }),
);
