import { describe, expect, it } from "vitest";
import { KEEP_ALL, keepsAll, MAX_SLOW_RULES, parseTailPolicy } from "./tail-policy";
import { tailOf } from "../storage/tenant-directory";

describe("parseTailPolicy", () => {
  it("fills absent fields from the keep-all default", () => {
    expect(parseTailPolicy({})).toEqual({ policy: KEEP_ALL });
    expect(parseTailPolicy({ keepPercent: 10 })).toEqual({ policy: { ...KEEP_ALL, keepPercent: 10 } });
    expect(keepsAll(KEEP_ALL)).toBe(true);
  });

  it("keeps per-service rules, with and without an operation", () => {
    const result = parseTailPolicy({ keepErrors: false, slowerThanMs: 500, slowerThan: [{ service: "db", ms: 20 }, { service: "api", operation: "GET /x", ms: 0 }], keepPercent: 0 });
    expect(result).toEqual({ policy: { keepErrors: false, slowerThanMs: 500, slowerThan: [{ service: "db", ms: 20 }, { service: "api", operation: "GET /x", ms: 0 }], keepPercent: 0 } });
  });

  it.each([
    [null, "'tail' must be an object"],
    [[], "'tail' must be an object"],
    [{ keepErrors: "yes" }, "keepErrors"],
    [{ slowerThanMs: -1 }, "slowerThanMs"],
    [{ keepPercent: 100.5 }, "keepPercent"],
    [{ keepPercent: -0.1 }, "keepPercent"],
    [{ slowerThan: {} }, "slowerThan"],
    [{ slowerThan: [{ service: "", ms: 1 }] }, "slowerThan[0].service"],
    [{ slowerThan: [{ service: "a", ms: Number.NaN }] }, "slowerThan[0].ms"],
    [{ slowerThan: Array.from({ length: MAX_SLOW_RULES + 1 }, () => ({ service: "a", ms: 1 })) }, "at most"],
    [{ sample: 1 }, "is not a tail-sampling setting"],
  ])("refuses %j with a reason naming the field", (input, reason) => {
    const result = parseTailPolicy(input);
    expect("error" in result && result.error).toContain(reason);
  });
});

describe("tailOf", () => {
  it("reads the policy from stored sampling settings, and keeps everything when there is none or it is unreadable", () => {
    expect(tailOf(null)).toBe(KEEP_ALL);
    expect(tailOf("{not json")).toBe(KEEP_ALL);
    expect(tailOf(JSON.stringify({ strategies: {} }))).toBe(KEEP_ALL);
    expect(tailOf(JSON.stringify({ tail: { keepPercent: 5 } })).keepPercent).toBe(5);
  });
});
