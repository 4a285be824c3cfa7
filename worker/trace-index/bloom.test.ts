import { describe, expect, it } from "vitest";
import { bloomHas, buildBloom, MAX_BLOOM_CHARS, parseBloom, serializeBloom } from "./bloom";
import { termHash } from "./terms";

const terms = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => termHash(`${prefix}.key`, `value-${i}`));

describe("bloom filters", () => {
  it("never forgets a term it was given", () => {
    for (const n of [0, 1, 7, 100, 5_000]) {
      const added = terms(n, "in");
      const bloom = buildBloom(added);
      expect(added.every((t) => bloomHas(bloom, t))).toBe(true);
    }
  });

  it("rarely claims a term it was not given (~0.1% at the default size)", () => {
    const bloom = buildBloom(terms(300, "in"));
    const absent = terms(100_000, "out");
    const falsePositives = absent.filter((t) => bloomHas(bloom, t)).length / absent.length;
    expect(falsePositives).toBeLessThan(0.002);
  });

  it("stays within its size cap however many terms a trace has", () => {
    const bloom = buildBloom(terms(100_000, "in"));
    expect(bloom.bits.length).toBe(MAX_BLOOM_CHARS);
    expect(buildBloom(terms(1000, "in"), 10).bits.length).toBe(10);
  });

  it("survives its text form", () => {
    const bloom = buildBloom(terms(50, "in"));
    expect(parseBloom(serializeBloom(bloom))).toEqual(bloom);
    expect(serializeBloom(bloom)).toMatch(/^\d+:[A-Za-z0-9_-]+$/);
  });
});
