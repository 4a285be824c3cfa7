import { afterEach, describe, expect, it } from "vitest";
import { takeEarlyRequest, usableEarly, type EarlyRequest } from "./early-request";

/** A browser window as far as early-request.ts looks at it: on `pathname`, holding `early`. */
function onPage(pathname: string, early?: Omit<EarlyRequest, "response">): Promise<Response> {
  const response = Promise.resolve(new Response("{}"));
  (globalThis as { window?: unknown }).window = { location: { pathname }, __earlyRequest: early && { ...early, response } };
  return response;
}

afterEach(() => {
  delete (globalThis as { window?: unknown }).window;
});

describe("takeEarlyRequest", () => {
  it("hands the early answer to the load it was started for, once", () => {
    const response = onPage("/trace/abc", { path: "/api/traces/abc", page: "/trace/abc" });
    expect(takeEarlyRequest("/api/traces/abc")).toBe(response);
    expect(takeEarlyRequest("/api/traces/abc")).toBeUndefined();
  });

  it("keeps it from a request for another path", () => {
    const response = onPage("/trace/abc", { path: "/api/traces/abc", page: "/trace/abc" });
    expect(takeEarlyRequest("/api/v3/traces/abc")).toBeUndefined();
    expect(takeEarlyRequest("/api/traces/abc")).toBe(response);
  });

  it("drops it for a load run while the browser is on another page (a later navigation)", () => {
    onPage("/search", { path: "/api/traces/abc", page: "/trace/abc" });
    expect(takeEarlyRequest("/api/traces/abc")).toBeUndefined();
    (globalThis as unknown as { window: { location: { pathname: string } } }).window.location.pathname = "/trace/abc";
    expect(takeEarlyRequest("/api/traces/abc")).toBeUndefined();
  });

  it("is undefined without a window (no browser) or without an early request", () => {
    expect(takeEarlyRequest("/api/traces/abc")).toBeUndefined();
    onPage("/trace/abc");
    expect(takeEarlyRequest("/api/traces/abc")).toBeUndefined();
  });
});

describe("usableEarly", () => {
  it("refuses answers given for want of a session, and keeps the rest (404s and 500s included)", () => {
    expect([200, 401, 403, 404, 500].map((status) => usableEarly(new Response(null, { status })))).toEqual([true, false, false, true, true]);
  });
});
