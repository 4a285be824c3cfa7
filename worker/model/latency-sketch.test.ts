import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter, LatencySketch, RELATIVE_ACCURACY } from "./latency-sketch";

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(42);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const distributions: Record<string, () => number> = {
  "uniform 1 µs–1 s": () => 1 + random() * 1e6,
  "log-normal around 20 ms": () => Math.exp(Math.log(20_000) + normal()),
  "bimodal: cache hits and database calls": () => (random() < 0.8 ? 200 + random() * 100 : 40_000 + random() * 20_000),
  "heavy tail: Pareto": () => 1000 / Math.pow(1 - random(), 1 / 1.2),
  "with zeros": () => (random() < 0.1 ? 0 : 5 + random() * 50),
};

const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] as number;

describe("the latency sketch", () => {
  for (const [name, draw] of Object.entries(distributions)) {
    it(`answers quantiles within 1 % of the exact values: ${name}`, () => {
      const values = Array.from({ length: 20_000 }, draw);
      const sketch = new LatencySketch();
      for (const v of values) sketch.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
        const want = exact(sorted, q);
        expect(Math.abs(sketch.quantile(q) - want), `q=${q}`).toBeLessThanOrEqual(RELATIVE_ACCURACY * want + 1e-9);
      }
    });
  }

  it("merges exactly: sketches of parts answer as the sketch of the whole", () => {
    const values = Array.from({ length: 10_000 }, distributions["log-normal around 20 ms"] as () => number);
    const whole = new LatencySketch();
    const parts = Array.from({ length: 7 }, () => new LatencySketch());
    values.forEach((v, i) => {
      whole.add(v);
      (parts[i % 7] as LatencySketch).add(v);
    });
    const merged = parts.reduce((a, b) => a.merge(b), new LatencySketch());
    expect(merged.count).toBe(whole.count);
    for (const q of [0.5, 0.95, 0.99]) expect(merged.quantile(q)).toBe(whole.quantile(q));
  });

  it("round-trips through its encoding in ~100 bytes for a minute of one operation", () => {
    const sketch = new LatencySketch();
    for (let i = 0; i < 600; i++) sketch.add(Math.exp(Math.log(20_000) + 0.3 * normal()));
    sketch.add(0, 3);
    const out = new ByteWriter();
    sketch.encode(out);
    out.string("after");
    const bytes = out.finish();
    expect(bytes.length).toBeLessThan(200);
    const input = new ByteReader(bytes);
    const back = LatencySketch.decode(input);
    expect(input.string()).toBe("after");
    expect(back.count).toBe(sketch.count);
    expect(back.zeros).toBe(3);
    for (const q of [0, 0.5, 0.99]) expect(back.quantile(q)).toBe(sketch.quantile(q));
  });

  it("answers NaN when empty, and 0 for zero durations", () => {
    expect(new LatencySketch().quantile(0.5)).toBeNaN();
    const zeros = new LatencySketch();
    zeros.add(0, 5);
    expect(zeros.quantile(0.99)).toBe(0);
  });
});
