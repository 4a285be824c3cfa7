/**
 * A mergeable latency sketch with a 1 % relative-error guarantee: DDSketch's logarithmic mapping
 * (Masson, Rim & Lee, VLDB 2019) — a value x > 0 falls in bin ceil(log_γ x), γ = (1 + α) / (1 − α),
 * and a bin answers 2γ^i / (γ + 1), within α of every value in it.
 *
 * Why not @datadog/sketches-js: its math is this, but its only serialisation is protobuf with a
 * double per bin (~2.8 KB a sketch for HotROD operations), and a tenant keeps a sketch per
 * operation and per call edge for every minute of a day and every hour of its retention. Here a
 * sketch is its occupied bins as varints — delta-coded bin indexes and integer counts — ~100 bytes
 * for a minute of one operation. Merging is adding counts bin by bin, so minutes add up to hours
 * exactly.
 */

export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Values at or below this (µs) count as zero. */
const MIN_VALUE = 1e-3;

export class LatencySketch {
  /** Bin index → count. */
  readonly bins = new Map<number, number>();
  zeros = 0;
  count = 0;

  add(value: number, times = 1): void {
    this.count += times;
    if (!(value > MIN_VALUE)) {
      this.zeros += times;
      return;
    }
    const bin = Math.ceil(Math.log(value) / LN_GAMMA);
    this.bins.set(bin, (this.bins.get(bin) ?? 0) + times);
  }

  merge(other: LatencySketch): this {
    this.count += other.count;
    this.zeros += other.zeros;
    for (const [bin, n] of other.bins) this.bins.set(bin, (this.bins.get(bin) ?? 0) + n);
    return this;
  }

  /** The value at quantile q (0–1), within 1 % of an exact answer; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(0, Math.min(1, q)) * (this.count - 1);
    let seen = this.zeros;
    if (rank < seen) return 0;
    for (const bin of [...this.bins.keys()].sort((a, b) => a - b)) {
      seen += this.bins.get(bin) as number;
      if (rank < seen) return (2 * GAMMA ** bin) / (GAMMA + 1);
    }
    const last = Math.max(...this.bins.keys());
    return (2 * GAMMA ** last) / (GAMMA + 1);
  }

  encode(out: ByteWriter): void {
    out.varint(this.zeros);
    const bins = [...this.bins.keys()].sort((a, b) => a - b);
    out.varint(bins.length);
    let previous = 0;
    for (const bin of bins) {
      out.varint(zigzag(bin - previous));
      out.varint(this.bins.get(bin) as number);
      previous = bin;
    }
  }

  static decode(input: ByteReader): LatencySketch {
    const sketch = new LatencySketch();
    sketch.zeros = input.varint();
    sketch.count = sketch.zeros;
    const bins = input.varint();
    let bin = 0;
    for (let i = 0; i < bins; i++) {
      bin += unzigzag(input.varint());
      const n = input.varint();
      sketch.bins.set(bin, n);
      sketch.count += n;
    }
    return sketch;
  }
}

const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

/** Appends varints and strings to a growing buffer. */
export class ByteWriter {
  private buffer = new Uint8Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }

  /** A non-negative integer up to 2^53. */
  varint(value: number): void {
    this.room(8);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.length++] = v;
  }

  string(text: string): void {
    const bytes = encoder.encode(text);
    this.varint(bytes.length);
    this.room(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export class ByteReader {
  at = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.at >= this.bytes.length) throw new Error("truncated varint");
      const byte = this.bytes[this.at++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  }

  string(): string {
    const length = this.varint();
    const text = decoder.decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
