import { describe, expect, it } from "vitest";
import { TEST_SERVICE, testTraceRequest } from "./test-trace";

describe("testTraceRequest", () => {
  let counter = 0;
  const counting = (n: number) => Uint8Array.from({ length: n }, () => ++counter % 256);

  it("builds one three-span trace under a root, ending now", () => {
    const { traceId, body } = testTraceRequest(1_700_000_000_000, counting);
    const resource = body.resourceSpans[0];
    const spans = resource?.scopeSpans[0]?.spans ?? [];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(resource?.resource.attributes[0]).toEqual({ key: "service.name", value: { stringValue: TEST_SERVICE } });
    expect(spans.map((s) => s.name)).toEqual(["GET /hello", "SELECT greetings", "render"]);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
    const root = spans[0];
    expect(spans.slice(1).every((s) => s.parentSpanId === root?.spanId)).toBe(true);
    expect(root?.endTimeUnixNano).toBe("1700000000000000000");
    expect(root?.startTimeUnixNano).toBe("1699999999880000000");
  });

  it("uses fresh ids each time", () => {
    expect(testTraceRequest(0, counting).traceId).not.toBe(testTraceRequest(0, counting).traceId);
  });
});
