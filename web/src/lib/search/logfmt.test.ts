import { describe, expect, it } from "vitest";
import { formatLogfmt, parseLogfmt } from "./logfmt";

describe("parseLogfmt", () => {
  it("reads Jaeger's example filter into string values", () => {
    expect(parseLogfmt("error=true http.status_code=500")).toEqual({ ok: true, tags: { error: "true", "http.status_code": "500" } });
  });

  it("reads nothing from blank input", () => {
    expect(parseLogfmt("   ")).toEqual({ ok: true, tags: {} });
  });

  it("takes quoted values with spaces, equals signs and escapes", () => {
    expect(parseLogfmt(`db.statement="SELECT * FROM t WHERE a = 1"  msg="say \\"hi\\"" path="C:\\\\x"`)).toEqual({
      ok: true,
      tags: { "db.statement": "SELECT * FROM t WHERE a = 1", msg: 'say "hi"', path: "C:\\x" },
    });
  });

  it("keeps an empty value", () => {
    expect(parseLogfmt(`a= b=""`)).toEqual({ ok: true, tags: { a: "", b: "" } });
  });

  it("rejects a key without a value, naming it", () => {
    expect(parseLogfmt("error")).toEqual({ ok: false, error: `"error" needs a value, e.g. error=value` });
  });

  it("rejects an unterminated quote and a stray quote", () => {
    expect(parseLogfmt(`a="open`)).toMatchObject({ ok: false, error: expect.stringContaining("closing quote") });
    expect(parseLogfmt(`a=x"y`)).toMatchObject({ ok: false, error: expect.stringContaining("quote the whole value") });
    expect(parseLogfmt(`a="x"y`)).toMatchObject({ ok: false, error: expect.stringContaining("space after") });
  });

  it("rejects a value with no key", () => {
    expect(parseLogfmt("=5")).toMatchObject({ ok: false, error: "expected a key at position 1" });
  });
});

describe("formatLogfmt", () => {
  it("round-trips through parseLogfmt, quoting only what needs it", () => {
    const tags = { error: "true", "db.statement": "SELECT 1", quote: 'a"b', empty: "", eq: "a=b" };
    const text = formatLogfmt(tags);
    expect(text).toBe(`error=true db.statement="SELECT 1" quote="a\\"b" empty="" eq="a=b"`);
    expect(parseLogfmt(text)).toEqual({ ok: true, tags });
  });
});
