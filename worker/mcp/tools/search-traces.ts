import { z } from "zod";
import { ms, plural } from "../../digest/format";
import { digestsOf, summarize } from "../../model/summary";
import { micros } from "../../model/time";
import { searchTraces as runSearch } from "../../query/search";
import { parseV1Search } from "../../query/v1-params";
import { defineTool, LOOKBACK_HELP } from "../tool";

const DEFAULT_LIMIT = 20;
/** Summaries are one line each: 50 stay within a few thousand tokens. */
const MAX_LIMIT = 50;
const MAX_SERVICES_SHOWN = 6;

export const searchTraces = defineTool({
  name: "search_traces",
  title: "Search traces",
  description:
    "Find traces, newest first, as one-line summaries with their trace ids (pass an id to get_trace for the digest). " +
    "Every condition must hold on the same span, as in Jaeger: service, operation, tags, and the span's duration.",
  input: {
    service: z.string().max(256).optional().describe("Only traces with a span of this service; leave out to search all services."),
    operation: z.string().max(1024).optional().describe("Only spans with this operation name (needs no service)."),
    tags: z
      .record(z.string().max(256), z.string().max(1024))
      .optional()
      .describe('Attribute conditions, all on one span: {"http.response.status_code": "500", "error": "true"}.'),
    minDuration: z.string().max(32).optional().describe('A span lasting at least this long: "250ms", "1.5s".'),
    maxDuration: z.string().max(32).optional().describe('A span lasting at most this long: "2s".'),
    lookback: z.string().max(32).optional().describe(`${LOOKBACK_HELP} Default "1h".`),
    limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`How many traces (1–${MAX_LIMIT}, default ${DEFAULT_LIMIT}).`),
  },
  async run({ env, tenant, origin, now }, args) {
    // The search API's own parser: the same syntax, defaults and refusals (as InvalidParameter).
    const params = new URLSearchParams();
    if (args.service) params.set("service", args.service);
    if (args.operation) params.set("operation", args.operation);
    if (args.tags && Object.keys(args.tags).length) params.set("tags", JSON.stringify(args.tags));
    if (args.minDuration) params.set("minDuration", args.minDuration);
    if (args.maxDuration) params.set("maxDuration", args.maxDuration);
    params.set("lookback", args.lookback ?? "1h");
    params.set("limit", String(args.limit ?? DEFAULT_LIMIT));
    const request = parseV1Search(params, micros(now * 1000));
    if (request.kind !== "search") throw new Error("unreachable: no trace ids were given");
    const { traces } = await runSearch(env, tenant, request.query);
    if (!traces.length) return "No trace matches. Widen the lookback, or check names with list_services and list_operations.";
    const lines = traces.map((trace) => {
      const s = summarize(trace.traceId, digestsOf(trace));
      const services = s.services.slice(0, MAX_SERVICES_SHOWN).join(", ") + (s.services.length > MAX_SERVICES_SHOWN ? ", …" : "");
      return (
        `- ${s.traceId} · ${new Date(Math.floor(s.startUs / 1000)).toISOString()} · ${s.rootService}: ${s.rootOperation} · ${ms(s.durationUs)}, ` +
        `${plural(s.spanCount, "span")}${s.errorCount ? `, ${plural(s.errorCount, "error")}` : ""} · ${services} · ${origin}/trace/${s.traceId}`
      );
    });
    return `${plural(traces.length, "trace")}, newest first:\n${lines.join("\n")}`;
  },
});
