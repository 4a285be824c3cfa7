/**
 * Archive (what Jaeger UI's "Archive Trace" button calls): `POST /api/archive/{traceId}` keeps a
 * trace past retention — its spans as they are now, in an object of its own that retention never
 * deletes; `GET` reads the archived copy (404 if none); `DELETE` releases it. Reads of the trace
 * by id include the archived copy, so an archived trace stays readable after its blocks expire.
 * Archiving and releasing change what is kept: a session needs the member role (a read key,
 * Jaeger UI's credential, keeps doing both).
 */
import { Hono } from "hono";
import { jaegerErrors } from "../jaeger/errors";
import { toJaegerTrace } from "../jaeger/v1-trace";
import { envelope } from "../jaeger/v1-types";
import { requireReader, requireRole } from "../middleware/auth";
import { adjustTrace } from "../query/adjust";
import { assembleTrace } from "../query/assemble";
import { InvalidParameter } from "../query/errors";
import { parseTraceId, readMembers } from "../query/read-trace";
import { readShards, shardConfig, shardStub } from "../storage/shard-routing";
import type { TenantConfig } from "../storage/tenant-directory";

export const archiveRoutes = new Hono<{ Bindings: Env }>();

archiveRoutes.use("/api/archive/*", requireReader(), jaegerErrors("v1"));

function traceIdParam(raw: string): string {
  const traceId = parseTraceId(raw);
  if (!traceId) throw new InvalidParameter("traceID", `trace id must be 1 to 32 hex digits, got "${raw.slice(0, 64)}"`);
  return traceId;
}

const notFound = (traceID: string) => envelope(null, [{ code: 404, msg: "trace not found", traceID }]);

archiveRoutes.post("/api/archive/:traceId", requireRole("member"), async (c) => {
  const traceId = traceIdParam(c.req.param("traceId"));
  const config = c.get("tenant");
  const archived = await Promise.all(readShards(config, traceId).map((shard) => shardStub(c.env, config.tenantId, shard).archive(shardConfig(config), traceId)));
  if (!archived.some(Boolean)) return c.json(notFound(c.req.param("traceId")), 404);
  return c.json({ ...envelope([]), errors: [] });
});

archiveRoutes.get("/api/archive/:traceId", async (c) => {
  const traceId = traceIdParam(c.req.param("traceId"));
  // HEAD (what the trace view asks to show its Archive toggle): whether a copy exists, unread.
  if (c.req.method === "HEAD") {
    const copies = await archivedCopies(c.env, c.get("tenant"), traceId);
    return c.body(null, copies.length ? 200 : 404);
  }
  const trace = await readArchived(c.env, c.get("tenant"), traceId);
  if (!trace) return c.json(notFound(c.req.param("traceId")), 404);
  const adjusted = adjustTrace(trace);
  return c.json(envelope([toJaegerTrace(adjusted.trace, adjusted)]));
});

archiveRoutes.delete("/api/archive/:traceId", requireRole("member"), async (c) => {
  const traceId = traceIdParam(c.req.param("traceId"));
  const config = c.get("tenant");
  const released = await Promise.all(readShards(config, traceId).map((shard) => shardStub(c.env, config.tenantId, shard).unarchive(shardConfig(config), traceId)));
  if (!released.some(Boolean)) return c.json(notFound(c.req.param("traceId")), 404);
  return c.body(null, 204);
});

async function archivedCopies(env: Env, config: TenantConfig, traceId: string) {
  const shards = readShards(config, traceId);
  const archived = await Promise.all(shards.map((shard) => shardStub(env, config.tenantId, shard).archivedCopy(shardConfig(config), traceId)));
  return archived.filter((s) => s !== null);
}

async function readArchived(env: Env, config: TenantConfig, traceId: string) {
  const segments = await archivedCopies(env, config, traceId);
  if (segments.length === 0) return null;
  const parts = await readMembers(env.TRACES, segments);
  return parts.length ? assembleTrace(traceId, parts) : null;
}
