import { z } from "zod";
import { renderMarkdown } from "../../digest/markdown";
import { NotFound } from "../../errors";
import { InvalidParameter } from "../../query/errors";
import { parseTraceId } from "../../query/read-trace";
import { readTraceDigest } from "../../query/trace-digest";
import { defineTool } from "../tool";

export const getTrace = defineTool({
  name: "get_trace",
  title: "Explain a trace",
  description:
    "One trace as a digest for analysis, not raw spans: the critical path with self times, every error with its exception, " +
    "repeated calls collapsed, named patterns (retry storm, N+1 calls, fan-out, timeout cascade, one slow dependency) with their evidence, " +
    "an outline of the call tree and links to the trace view. At most ~8,000 tokens whatever the trace's size.",
  input: { traceId: z.string().min(1).max(64).describe("The trace id: 32 (or 16) hex digits, as search_traces lists them.") },
  async run({ env, tenant, origin }, { traceId }) {
    const id = parseTraceId(traceId);
    if (!id) throw new InvalidParameter("traceId", `trace id must be 1 to 32 hex digits, got "${traceId.slice(0, 64)}"`);
    const digest = await readTraceDigest(env, tenant, id, origin);
    if (!digest) throw new NotFound(`trace ${traceId} not found in this account (it may have expired, or not have arrived yet)`);
    return renderMarkdown(digest);
  },
});
