/**
 * Bounds on the Jaeger query routes: how many trace ids and tag conditions one request may carry,
 * and a search window no older than the tenant keeps. Violations answer 400 in the envelope the
 * API's clients parse (v1 `errors[]`, v3 `{error: {httpCode, message}}`), never 500.
 */
import { describe, expect, it } from "vitest";
import { makeRequest, makeSpan } from "../support/otlp-builders";
import { getJson, ingestJson, signUp } from "./helpers";

const DAY_MS = 86_400_000;

interface V1 {
  data: Array<{ traceID: string }> | null;
  errors: Array<{ code: number; msg: string }> | null;
}
interface V3Error {
  error: { httpCode: number; message: string };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const nanos = (ms: number) => `${ms}000000`;
const tagsJson = (n: number) => encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`tag.${i}`, `value ${i}`]))));

describe("v1 /api/traces", () => {
  it("refuses 1,001 traceIDs with 400 in Jaeger's errors[]", async () => {
    const tenant = await signUp();
    const ids = Array.from({ length: 1_001 }, (_, i) => `traceID=${hex(i + 1, 32)}`).join("&");
    const { status, body } = await getJson<V1>(tenant, `/api/traces?${ids}`);
    expect(status).toBe(400);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([{ code: 400, msg: expect.stringContaining("at most 1000") }]);
  });

  it("refuses 100 tag conditions with 400, as tags JSON or repeated tag=", async () => {
    const tenant = await signUp();
    const repeated = Array.from({ length: 100 }, (_, i) => `tag=k${i}:v${i}`).join("&");
    for (const query of [`tags=${tagsJson(100)}`, repeated]) {
      const { status, body } = await getJson<V1>(tenant, `/api/traces?service=shop&${query}`);
      expect(status).toBe(400);
      expect(body.errors?.[0]).toEqual({ code: 400, msg: expect.stringContaining("at most 32") });
    }
  });

  it("answers a search with 32 tag conditions (the most allowed)", async () => {
    const tenant = await signUp();
    const { status, body } = await getJson<V1>(tenant, `/api/traces?service=shop&tags=${tagsJson(32)}`);
    expect(status).toBe(200);
    expect(body.data).toEqual([]);
  });

  it("clamps start=0 to the tenant's retention instead of searching all history", async () => {
    const tenant = await signUp();
    const now = Date.now();
    // Two traces arriving now: one stamped 40 days ago (before the default 30 days' retention), one an hour ago.
    const old = `c1${hex(0xa1, 30)}`;
    const recent = `c2${hex(0xa2, 30)}`;
    const spans = [
      makeSpan({ traceId: old, startTimeUnixNano: nanos(now - 40 * DAY_MS), endTimeUnixNano: nanos(now - 40 * DAY_MS + 5) }),
      makeSpan({ traceId: recent, startTimeUnixNano: nanos(now - 3_600_000), endTimeUnixNano: nanos(now - 3_600_000 + 5) }),
    ];
    expect((await ingestJson(tenant, makeRequest(spans, { resource: { attributes: [{ key: "service.name", value: { stringValue: "clamp" } }] } }))).status).toBe(200);
    // Both are stored and readable by id…
    expect((await getJson<V1>(tenant, `/api/traces/${old}`)).status).toBe(200);
    // …but a search from the epoch covers only what retention keeps.
    const { status, body } = await getJson<V1>(tenant, `/api/traces?service=clamp&start=0&end=${(now + 60_000) * 1000}`);
    expect(status).toBe(200);
    expect(body.data?.map((t) => t.traceID)).toEqual([recent]);
    // A window wholly before retention finds nothing, and is no error.
    const before = await getJson<V1>(tenant, `/api/traces?service=clamp&start=0&end=${(now - 35 * DAY_MS) * 1000}`);
    expect(before.status).toBe(200);
    expect(before.body.data).toEqual([]);
  });
});

describe("v3 /api/v3/traces", () => {
  const window = () => `query.startTimeMin=${new Date(Date.now() - 3_600_000).toISOString()}&query.startTimeMax=${new Date().toISOString()}`;

  it("refuses 100 attribute conditions with 400 in the v3 error shape", async () => {
    const tenant = await signUp();
    for (const path of ["/api/v3/traces", "/api/v3/trace-summaries"]) {
      const { status, body } = await getJson<V3Error>(tenant, `${path}?${window()}&query.attributes=${tagsJson(100)}`);
      expect(status).toBe(400);
      expect(body.error).toEqual({ httpCode: 400, message: expect.stringContaining("at most 32") });
    }
  });

  it("clamps a startTimeMin at the epoch to the tenant's retention", async () => {
    const tenant = await signUp();
    const now = Date.now();
    const old = `c3${hex(0xb1, 30)}`;
    const spans = [makeSpan({ traceId: old, startTimeUnixNano: nanos(now - 40 * DAY_MS), endTimeUnixNano: nanos(now - 40 * DAY_MS + 5) })];
    expect((await ingestJson(tenant, makeRequest(spans, { resource: { attributes: [{ key: "service.name", value: { stringValue: "clamp3" } }] } }))).status).toBe(200);
    const range = `query.startTimeMin=1970-01-01T00:00:00Z&query.startTimeMax=${new Date(now + 60_000).toISOString()}`;
    const { status } = await getJson<V3Error>(tenant, `/api/v3/traces?${range}&query.serviceName=clamp3`);
    // v3 answers "no traces" as 404.
    expect(status).toBe(404);
  });
});
