/**
 * The MCP server: the official SDK's McpServer with our tools, one per request. Stateless
 * Streamable HTTP suits Workers: any isolate can answer any request, nothing is kept between
 * them, and building the server is a few object allocations (the tools' JSON Schemas are made
 * when a client lists them).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./tool";
import { TOOLS } from "./tools/index";

export const SERVER_INFO = { name: "edgetrace", version: "1.0.0" } as const;

export function createMcpServer(context: ToolContext): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions:
      "edgetrace holds distributed traces of this account's services. Start with list_services or search_traces; " +
      "get_trace explains one trace (critical path, errors, patterns); get_dependencies and get_service_metrics give the service graph and RED metrics.",
  });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: { readOnlyHint: true, openWorldHint: false } },
      async (args) => ({ content: [{ type: "text" as const, text: await tool.run(context, args) }] }),
    );
  }
  return server;
}
