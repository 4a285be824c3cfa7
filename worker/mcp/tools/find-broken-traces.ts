import { z } from "zod";
import { clip, plural } from "../../digest/format";
import { findBrokenTraces } from "../../query/broken-traces";
import { brokenTracesParams } from "../../query/broken-traces-params";
import { defineTool } from "../tool";

/** Findings shown in full; the per-service counts cover the rest. */
const MAX_FINDINGS = 20;

export const findBrokenTracesTool = defineTool({
  name: "find_broken_traces",
  title: "Find broken traces",
  description:
    "Traces broken by a service that did not propagate the trace context (a request split into disconnected fragments): for each, the service that most likely dropped the context, the evidence, and the fragment trace ids. Kept for 24 hours.",
  input: {
    lookback: z.string().max(32).optional().describe('How far back to look: "30m", "1h", "6h" (at most "24h"). Default "1h".'),
    service: z.string().max(1_000).optional().describe("Only breaks blamed on this service."),
  },
  async run({ env, tenant, origin, now }, { lookback, service }) {
    const params = brokenTracesParams((name) => (name === "lookback" ? lookback : name === "service" ? service : name === "limit" ? String(MAX_FINDINGS) : undefined), now);
    const found = await findBrokenTraces(env, tenant, params);
    if (!found.findings.length) return `No broken propagation found in the last ${lookback ?? "1h"}${service ? ` blamed on ${clip(service, 80)}` : ""}.`;
    const bySuspect = found.services.map((s) => `${clip(s.service, 80)} (${s.broken})`).join(", ");
    const lines = found.findings.map((f) => {
      const fragments = f.fragments.length > 1 ? `; fragments ${f.fragments.slice(0, 5).join(", ")}${f.fragments.length > 5 ? ", …" : ""}` : "";
      return `- ${new Date(f.timeMs).toISOString()} trace ${f.traceId} (${origin}/trace/${f.traceId}): suspect **${clip(f.suspect, 80)}** — ${f.evidence.slice(0, 2).map((e) => clip(e, 300)).join(" ")}${fragments}`;
    });
    return (
      `${plural(found.findings.length + found.more, "broken trace")} in the last ${lookback ?? "1h"}; by suspect service: ${bySuspect}.\n` +
      `${lines.join("\n")}${found.more ? `\n- … and ${found.more} more` : ""}`
    );
  },
});
