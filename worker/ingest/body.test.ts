/**
 * Reading a request body under the 20 MiB cap, plain or gzip. The cap is on inflated bytes, so the
 * gzip bomb test counts how many bytes the DecompressionStream handed out before we gave up: a
 * measure of "stopped early" that depends neither on timing nor on the GC. (Counting compressed
 * bytes pulled from the client would not do: Node's DecompressionStream takes in its whole input
 * at once and inflates it only as its output is read.)
 */
import { createGzip, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PayloadTooLarge, UnsupportedMediaType } from "../errors";
import { UndecodableBody } from "../otlp/decoded";
import { MAX_BODY_BYTES, readCappedBody } from "./body";

const MiB = 1024 * 1024;

/** A body stream that hands out `bytes` in `chunkSize` pieces only when read, counting what it gave. */
function countingStream(bytes: Uint8Array, chunkSize = 4096) {
  let offset = 0;
  const counter = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        const chunk = bytes.slice(offset, offset + chunkSize);
        offset += chunk.length;
        counter.pulled += chunk.length;
        controller.enqueue(chunk);
      },
      cancel() {
        counter.cancelled = true;
      },
    },
    // Nothing is pulled before someone reads: "pulled" is what readCappedBody asked for.
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request("https://ingest.example/v1/traces", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

/** Gzips `size` zero bytes in 1 MiB steps, so the test never holds the inflated bomb itself. */
async function gzipZeros(size: number): Promise<Uint8Array> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on("end", resolve));
  const zeros = Buffer.alloc(MiB);
  for (let written = 0; written < size; written += MiB) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once("drain", resolve));
  }
  gzip.end();
  await done;
  return new Uint8Array(Buffer.concat(out));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the body to be refused");
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("readCappedBody", () => {
  it("reads a plain body whole, across many chunks", async () => {
    const bytes = Uint8Array.from({ length: 50_000 }, (_, i) => i % 251);
    const { stream } = countingStream(bytes, 1000);
    expect(await readCappedBody(post(stream))).toEqual(bytes);
  });

  it("reads a request without a body as empty", async () => {
    expect(await readCappedBody(post(null))).toEqual(new Uint8Array(0));
  });

  it.each(["gzip", "x-gzip", "GZIP", " gzip "])("inflates a body sent with Content-Encoding %j", async (encoding) => {
    const bytes = new TextEncoder().encode(JSON.stringify({ resourceSpans: [] }).repeat(1000));
    expect(await readCappedBody(post(gzipSync(bytes), { "content-encoding": encoding }))).toEqual(bytes);
  });

  it("reads Content-Encoding: identity as plain", async () => {
    expect(await readCappedBody(post("abc", { "content-encoding": "identity" }))).toEqual(new TextEncoder().encode("abc"));
  });

  it.each(["br", "deflate", "zstd", "gzip, br"])("refuses Content-Encoding %j with 415", async (encoding) => {
    const error = await rejection(readCappedBody(post("x", { "content-encoding": encoding })));
    expect(error).toBeInstanceOf(UnsupportedMediaType);
    expect((error as UnsupportedMediaType).status).toBe(415);
    expect((error as Error).message).toMatch(/unsupported Content-Encoding/);
  });

  it("refuses a declared Content-Length over the cap with 413 without reading the body", async () => {
    const { stream, counter } = countingStream(new Uint8Array(100));
    const error = await rejection(readCappedBody(post(stream, { "content-length": String(MAX_BODY_BYTES + 1) })));
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect((error as PayloadTooLarge).status).toBe(413);
    expect((error as Error).message).toBe("request body exceeds 20 MiB; send smaller batches");
    expect(counter.pulled).toBe(0);
  });

  it("refuses a plain body that grows past the cap without a Content-Length, stopping there", async () => {
    const limit = 64 * 1024;
    const { stream, counter } = countingStream(new Uint8Array(10 * limit));
    const error = await rejection(readCappedBody(post(stream), limit));
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect(counter.pulled).toBeLessThanOrEqual(limit + 4096);
    expect(counter.cancelled).toBe(true);
  });

  it("accepts a body of exactly the cap", async () => {
    const limit = 64 * 1024;
    expect(await readCappedBody(post(new Uint8Array(limit)), limit)).toHaveLength(limit);
  });

  it("refuses a gzip body that inflates past the cap even though its compressed size is under it", async () => {
    const limit = 64 * 1024;
    const error = await rejection(readCappedBody(post(gzipSync(new Uint8Array(limit + 1)), { "content-encoding": "gzip" }), limit));
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect((error as Error).message).toBe("request body exceeds 0.0625 MiB after gzip decompression; send smaller batches");
  });

  it("stops a gzip bomb (≈200 KiB inflating to 200 MiB) soon after the cap", async () => {
    // Every DecompressionStream made during the test counts the bytes it hands out.
    const Real = DecompressionStream;
    let inflated = 0;
    vi.stubGlobal(
      "DecompressionStream",
      class {
        readonly writable: WritableStream<BufferSource>;
        readonly readable: ReadableStream<Uint8Array>;
        constructor(format: ConstructorParameters<typeof DecompressionStream>[0]) {
          const real = new Real(format);
          this.writable = real.writable;
          this.readable = real.readable.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, controller) {
                inflated += chunk.byteLength;
                controller.enqueue(chunk);
              },
            }),
          );
        }
      },
    );
    const bomb = await gzipZeros(200 * MiB);
    expect(bomb.length).toBeLessThan(MiB); // ~1000:1
    const { stream } = countingStream(bomb);
    const error = await rejection(readCappedBody(post(stream, { "content-encoding": "gzip" }), 20 * MiB));
    expect(error).toBeInstanceOf(PayloadTooLarge);
    // The cap plus the chunks in flight, not the 200 MiB an uncapped reader would inflate.
    expect(inflated).toBeGreaterThan(20 * MiB);
    expect(inflated).toBeLessThan(21 * MiB);
  });

  it.each([
    ["corrupt gzip", () => Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])],
    ["a plain body labelled gzip", () => new TextEncoder().encode('{"resourceSpans":[]}')],
    ["gzip cut short", () => gzipSync(new Uint8Array(100_000).fill(7)).subarray(0, 40)],
  ])("refuses %s as undecodable", async (_, body) => {
    const error = await rejection(readCappedBody(post(body(), { "content-encoding": "gzip" })));
    expect(error).toBeInstanceOf(UndecodableBody);
    expect((error as Error).message).toMatch(/^invalid gzip body: /);
  });
});
