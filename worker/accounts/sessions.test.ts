/** The session cookie's name and attributes; `wrangler dev` only speaks http, so https is checked here. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "./sessions";

const app = new Hono();
app.get("/in", (c) => {
  setSessionCookie(c, "token");
  return c.body(null, 204);
});
app.get("/read", (c) => c.text(readSessionCookie(c) ?? "(none)"));
app.get("/out", (c) => {
  clearSessionCookie(c);
  return c.body(null, 204);
});

const attributes = async (path: string) =>
  ((await app.request(path)).headers.get("set-cookie") ?? "").split(";").map((part) => part.trim());

describe("session cookie", () => {
  it("is __Host- prefixed and Secure when the request URL is https", async () => {
    const parts = await attributes("https://edgetrace.example/in");
    expect(parts[0]).toBe("__Host-et_session=token");
    expect(parts).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/", "Secure"]));
    expect(parts.some((p) => p.toLowerCase().startsWith("domain="))).toBe(false);
  });

  it("is read over https only under its __Host- name, which a sibling subdomain cannot set", async () => {
    const read = async (url: string, cookie: string) => (await app.request(url, { headers: { cookie } })).text();
    expect(await read("https://edgetrace.example/read", "__Host-et_session=good")).toBe("good");
    expect(await read("https://edgetrace.example/read", "et_session=planted")).toBe("(none)");
    expect(await read("http://127.0.0.1:8787/read", "et_session=local")).toBe("local");
  });

  it("is not Secure over http (wrangler dev), where browsers would drop it", async () => {
    const parts = await attributes("http://127.0.0.1:8787/in");
    expect(parts[0]).toBe("et_session=token");
    expect(parts).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/"]));
    expect(parts).not.toContain("Secure");
  });

  it("is cleared with the same attributes and Max-Age=0", async () => {
    expect(await attributes("https://edgetrace.example/out")).toEqual(
      expect.arrayContaining(["__Host-et_session=", "Max-Age=0", "Path=/", "Secure", "HttpOnly"]),
    );
  });
});
