import { describe, expect, it } from "vitest";
import type { Finding } from "$propagation/detect";
import { brokenByService } from "./counts";

const finding = (traceId: string, suspect: string, timeMs: number): Finding => ({ traceId, suspect, sign: "dangling-call", evidence: [], fragments: [traceId], stitch: [], timeMs });

describe("brokenByService", () => {
  it("counts every broken trace of a service and links its newest one on the page", () => {
    const counts = brokenByService({
      start: 0,
      end: 10,
      // Newest first, as the route answers; shop's only finding is past the page (limit).
      findings: [finding("t3", "payments", 3), finding("t2", "payments", 2)],
      services: [
        { service: "payments", broken: 2 },
        { service: "shop", broken: 1 },
      ],
      more: 1,
    });
    expect(Object.fromEntries(counts)).toEqual({ payments: { broken: 2, latest: "t3" }, shop: { broken: 1, latest: null } });
  });
});
