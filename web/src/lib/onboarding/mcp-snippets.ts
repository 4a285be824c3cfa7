/**
 * Ready-to-paste setup for adding edgetrace to an MCP client (Claude Code, Claude Desktop, Cursor,
 * VS Code …), filled in with this server's origin. The MCP server at `${origin}/mcp` speaks
 * Streamable HTTP and takes a `read` key as `Authorization: Bearer`; ingest keys are refused, so
 * the snippets hold a placeholder for a read key rather than the sign-up key.
 */
import type { SetupSnippet } from "./snippets";

export interface McpSnippet extends Omit<SetupSnippet, "id"> {
  id: "claude-code" | "json" | "claude-desktop";
}

export const READ_KEY_PLACEHOLDER = "<your-read-key>";

export function mcpSnippets(origin: string, key: string = READ_KEY_PLACEHOLDER): McpSnippet[] {
  const url = `${origin.replace(/\/+$/, "")}/mcp`;
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    {
      id: "claude-code",
      label: "Claude Code",
      language: "shell",
      code: `claude mcp add --transport http edgetrace ${url} --header "Authorization: Bearer ${key}"`,
      hint: "Then ask, for example: “why was the slowest /dispatch trace of the last hour slow?”",
    },
    {
      id: "json",
      label: "Cursor, VS Code, others",
      language: "json",
      code: json({ mcpServers: { edgetrace: { type: "http", url, headers: { Authorization: `Bearer ${key}` } } } }),
      hint: "For clients that connect to remote MCP servers over Streamable HTTP (VS Code names the top-level key “servers”).",
    },
    {
      id: "claude-desktop",
      label: "Claude Desktop",
      language: "json",
      // mcp-remote bridges a local stdio client to a remote server; the header's value goes through
      // an environment variable because some platforms split arguments at spaces.
      code: json({
        mcpServers: {
          edgetrace: {
            command: "npx",
            args: ["-y", "mcp-remote", url, "--header", "Authorization:${EDGETRACE_AUTH}"],
            env: { EDGETRACE_AUTH: `Bearer ${key}` },
          },
        },
      }),
      hint: "In claude_desktop_config.json (Settings → Developer → Edit Config), then restart Claude Desktop.",
    },
  ];
}
