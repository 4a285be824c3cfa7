/** The session cookie's attributes; `wrangler dev` only speaks http, so Secure is checked here. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clearSessionCookie, setSessionCookie } from "./sessions";

const app = new Hono();
app.get("/in", (c) => {
  setSessionCookie(c, "token");
  return c.body(null, 204);
});
app.get("/out", (c) => {
  clearSessionCookie(c);
  return c.body(null, 204);
});

const attributes = async (path: string) =>
  ((await app.request(path)).headers.get("set-cookie") ?? "").split(";").map((part) => part.trim());

describe("session cookie", () => {
  it("is Secure when the request URL is https", async () => {
    expect(await attributes("https://edgetrace.example/in")).toEqual(
      expect.arrayContaining(["et_session=token", "HttpOnly", "SameSite=Lax", "Path=/", "Secure"]),
    );
  });

  it("is not Secure over http (wrangler dev), where browsers would drop it", async () => {
    const parts = await attributes("http://127.0.0.1:8787/in");
    expect(parts).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/"]));
    expect(parts).not.toContain("Secure");
  });

  it("is cleared with the same attributes and Max-Age=0", async () => {
    expect(await attributes("https://edgetrace.example/out")).toEqual(
      expect.arrayContaining(["et_session=", "Max-Age=0", "Path=/", "Secure", "HttpOnly"]),
    );
  });
});
