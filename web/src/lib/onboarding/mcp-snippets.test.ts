import { describe, expect, it } from "vitest";
import { mcpSnippets, READ_KEY_PLACEHOLDER } from "./mcp-snippets";

const origin = "https://edgetrace.example.com";

describe("mcpSnippets", () => {
  it("points every client at this server's /mcp with the key as a Bearer token", () => {
    for (const snippet of mcpSnippets(`${origin}/`, "etk_read")) {
      expect(snippet.code, snippet.id).toContain(`${origin}/mcp`);
      expect(snippet.code, snippet.id).not.toContain(`${origin}//mcp`);
      expect(snippet.code, snippet.id).toContain("Bearer etk_read");
    }
  });

  it("gives Claude Code the http transport and a header, and JSON clients valid JSON", () => {
    const [cli, json, desktop] = mcpSnippets(origin);
    expect(cli?.code).toBe(`claude mcp add --transport http edgetrace ${origin}/mcp --header "Authorization: Bearer ${READ_KEY_PLACEHOLDER}"`);
    expect(JSON.parse(json?.code ?? "")).toEqual({ mcpServers: { edgetrace: { type: "http", url: `${origin}/mcp`, headers: { Authorization: `Bearer ${READ_KEY_PLACEHOLDER}` } } } });
    const bridge = JSON.parse(desktop?.code ?? "") as { mcpServers: { edgetrace: { args: string[]; env: Record<string, string> } } };
    expect(bridge.mcpServers.edgetrace.args).toEqual(["-y", "mcp-remote", `${origin}/mcp`, "--header", "Authorization:${EDGETRACE_AUTH}"]);
    expect(bridge.mcpServers.edgetrace.env.EDGETRACE_AUTH).toBe(`Bearer ${READ_KEY_PLACEHOLDER}`);
  });
});
