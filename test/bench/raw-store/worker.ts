/**
 * Bare store reads for `npm run bench` (see wrangler.toml here):
 * - /raw/null: nothing (the HTTP round trip of wrangler dev itself);
 * - /raw/trace?tenant=&id=: the D1 lookup of a trace's blocks (findTraceLocations, the query the
 *   route runs) and the ranged R2 GET of each copy — no auth, no Durable Object, no gunzip or
 *   decode; `&only=d1` stops after the lookup;
 * - /raw/index?tenant=&start=&end=: one D1 read of every index column of the blocks in a window —
 *   what a search that must visit every block reads, without judging anything;
 * - /raw/stats?tenant=: the index's size.
 */
import { shardOf } from "../../../worker/ingest/shards";
import { findTraceLocations } from "../../../worker/storage/block-index";

interface RawEnv {
  DB: D1Database;
  TRACES: R2Bucket;
}

export default {
  async fetch(request: Request, env: RawEnv): Promise<Response> {
    const url = new URL(request.url);
    const tenant = url.searchParams.get("tenant") ?? "";
    switch (url.pathname) {
      case "/healthz":
      case "/raw/null":
        return Response.json({});
      case "/raw/trace": {
        const id = url.searchParams.get("id") ?? "";
        const locations = await findTraceLocations(env.DB, tenant, shardOf(tenant, id, 2), id);
        if (url.searchParams.get("only") === "d1") return Response.json({ copies: locations.length });
        let bytes = 0;
        for (const { blockKey, offset, length } of locations) {
          const object = await env.TRACES.get(blockKey, { range: { offset, length } });
          bytes += object ? (await object.arrayBuffer()).byteLength : 0;
        }
        return Response.json({ copies: locations.length, bytes });
      }
      case "/raw/index": {
        const rows = await env.DB.prepare(
          "SELECT block_key, trace_index, operations, search, terms FROM trace_blocks WHERE tenant_id = ? AND max_end_us >= ? AND min_start_us <= ?",
        )
          .bind(tenant, Number(url.searchParams.get("start")), Number(url.searchParams.get("end")))
          .all<Record<string, string | null>>();
        let chars = 0;
        for (const row of rows.results) for (const value of Object.values(row)) chars += value?.length ?? 0;
        return Response.json({ blocks: rows.results.length, chars });
      }
      case "/raw/stats": {
        const row = await env.DB.prepare(
          `SELECT count(*) AS blocks, sum(trace_count) AS traces, sum(span_count) AS spans, sum(length(trace_index)) AS traceIndex,
                  sum(length(services)) AS services, sum(length(operations)) AS operations, sum(length(search)) AS search, sum(length(terms)) AS terms,
                  sum(length(trace_filter)) AS traceFilter, sum(length(block_terms)) AS blockTerms
           FROM trace_blocks WHERE tenant_id = ?`,
        )
          .bind(tenant)
          .first();
        return Response.json(row);
      }
    }
    return new Response("not found", { status: 404 });
  },
};
