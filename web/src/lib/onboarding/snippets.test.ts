import { describe, expect, it } from "vitest";
import { KEY_PLACEHOLDER, setupSnippets } from "./snippets";

const origin = "https://edgetrace.example.com";
const key = "etk_abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEF";

describe("setupSnippets", () => {
  const snippets = setupSnippets(origin, key);

  it("covers the environment, four SDKs and the Collector", () => {
    expect(snippets.map((s) => s.id)).toEqual(["env", "node", "python", "go", "java", "collector"]);
  });

  it("fills every snippet with this server and the key", () => {
    for (const snippet of snippets) {
      expect(snippet.code, snippet.id).toContain(origin);
      expect(snippet.code, snippet.id).toContain(key);
    }
  });

  it("gives base-endpoint configs the origin and per-signal ones the traces path", () => {
    const byId = Object.fromEntries(snippets.map((s) => [s.id, s.code]));
    expect(byId.env).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT="${origin}"\n`);
    expect(byId.env).toContain(`OTEL_EXPORTER_OTLP_HEADERS="x-api-key=${key}"`);
    expect(byId.env).toContain(`OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf"`);
    expect(byId.collector).toContain(`endpoint: ${origin}\n`);
    expect(byId.java).toContain(`-Dotel.exporter.otlp.endpoint=${origin} `);
    for (const id of ["node", "python", "go"]) expect(byId[id], id).toContain(`"${origin}/v1/traces"`);
  });

  it("does not double the slash of an origin given with one", () => {
    expect(setupSnippets(`${origin}/`, key)[1]?.code).toContain(`"${origin}/v1/traces"`);
  });

  it("shows a placeholder when the key is no longer known", () => {
    const env = setupSnippets(origin, null)[0]?.code ?? "";
    expect(env).toContain(`x-api-key=${KEY_PLACEHOLDER}`);
  });
});
