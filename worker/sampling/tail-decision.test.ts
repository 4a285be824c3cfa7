import { describe, expect, it } from "vitest";
import { decideTail, inShare, shareKey, type TailFacts } from "./tail-decision";
import { KEEP_ALL, type TailPolicy } from "./tail-policy";
import { micros } from "../model/time";

const policy = (overrides: Partial<TailPolicy> = {}): TailPolicy => ({ keepErrors: true, slowerThanMs: null, slowerThan: [], keepPercent: 0, ...overrides });

/** A trace of `durationMs`, its operations given as [service, name, longest span ms, failed?]. */
function facts(durationMs: number, operations: Array<[string, string, number, boolean?]> = [], traceId = "0af7651916cd43dd8448eb211c80319c"): TailFacts {
  return {
    traceId,
    durationUs: micros(durationMs * 1000),
    operations: operations.map(([service, name, ms, errors]) => ({ service, name, maxSpanUs: micros(ms * 1000), errors: errors ?? false })),
  };
}

describe("decideTail", () => {
  it("keeps a trace with a failed span when keepErrors is on, and only then", () => {
    const failing = facts(3, [["api", "GET /", 3], ["db", "SELECT", 1, true]]);
    expect(decideTail(policy(), failing)).toBe("error");
    expect(decideTail(policy({ keepErrors: false }), failing)).toBe("drop");
  });

  it("keeps a trace lasting exactly slowerThanMs, and drops one a microsecond shorter", () => {
    const slow = policy({ slowerThanMs: 250 });
    expect(decideTail(slow, facts(250))).toBe("slow");
    expect(decideTail(slow, facts(249.999))).toBe("drop");
    // A threshold of 0 keeps everything (every duration is ≥ 0).
    expect(decideTail(policy({ slowerThanMs: 0 }), facts(0))).toBe("slow");
  });

  it("matches a rule without an operation against every operation of its service", () => {
    const rules = policy({ slowerThan: [{ service: "db", ms: 20 }] });
    expect(decideTail(rules, facts(25, [["api", "GET /", 25], ["db", "SELECT", 20]]))).toBe("slow-operation");
    expect(decideTail(rules, facts(25, [["api", "GET /", 25], ["db", "SELECT", 19]]))).toBe("drop");
    // Another service's slow span does not count.
    expect(decideTail(rules, facts(90, [["api", "GET /", 90]]))).toBe("drop");
  });

  it("matches a rule with an operation only against that operation of that service", () => {
    const rules = policy({ slowerThan: [{ service: "api", operation: "GET /slow", ms: 10 }] });
    expect(decideTail(rules, facts(12, [["api", "GET /slow", 10]]))).toBe("slow-operation");
    expect(decideTail(rules, facts(50, [["api", "GET /fast", 50]]))).toBe("drop");
    expect(decideTail(rules, facts(50, [["web", "GET /slow", 50]]))).toBe("drop");
  });

  it("keeps every trace at keepPercent 100 and none by share at 0", () => {
    const ids = Array.from({ length: 200 }, (_, i) => i.toString(16).padStart(32, "0"));
    expect(ids.every((id) => decideTail(KEEP_ALL, facts(1, [], id)) !== "drop")).toBe(true);
    expect(ids.every((id) => decideTail(policy({ keepPercent: 100, keepErrors: false }), facts(1, [], id)) === "share")).toBe(true);
    expect(ids.every((id) => decideTail(policy({ keepPercent: 0 }), facts(1, [], id)) === "drop")).toBe(true);
  });
});

describe("the kept share", () => {
  // Sequential ids, as tests and some generators make them: the hash must still spread them.
  const ids = Array.from({ length: 20_000 }, (_, i) => `00000abc${i.toString(16).padStart(24, "0")}`);

  it("keeps keepPercent of the traces, within 4 standard deviations", () => {
    for (const percent of [1, 20, 50, 95]) {
      const kept = ids.filter((id) => inShare(id, percent)).length;
      const p = percent / 100;
      const sigma = Math.sqrt(ids.length * p * (1 - p));
      expect(Math.abs(kept - ids.length * p)).toBeLessThan(4 * sigma);
    }
  });

  it("draws the same for an id however it is spelled, and nests: a trace kept at 10 % is kept at 20 %", () => {
    const id = "0AF7651916CD43DD8448EB211C80319C";
    expect(shareKey(id)).toBe(shareKey(id.toLowerCase()));
    for (const id of ids.slice(0, 2_000)) if (inShare(id, 10)) expect(inShare(id, 20)).toBe(true);
  });
});
