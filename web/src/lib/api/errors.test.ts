import { describe, expect, it } from "vitest";
import { ApiError, errorFromBody, fieldMessages, networkError } from "./errors";

describe("errorFromBody", () => {
  it("reads the Worker's envelope with the field at fault", () => {
    const error = errorFromBody(400, { error: { code: "bad_request", message: "email is required", field: "email" } });
    expect(error).toMatchObject({ status: 400, code: "bad_request", message: "email is required", field: "email" });
  });

  it("reads a Jaeger envelope's first error", () => {
    const error = errorFromBody(404, { data: null, errors: [{ code: 404, msg: "trace not found" }] });
    expect(error).toMatchObject({ status: 404, code: "jaeger_404", message: "trace not found", field: undefined });
  });

  it("reads an OTLP status", () => {
    expect(errorFromBody(401, { code: 16, message: "invalid or revoked API key" })).toMatchObject({ status: 401, code: "otlp", message: "invalid or revoked API key" });
  });

  it("falls back to the status when the body says nothing usable", () => {
    expect(errorFromBody(502, null, "Bad Gateway").message).toBe("the server answered 502 Bad Gateway");
    expect(errorFromBody(500, { error: "nope" }).code).toBe("http_500");
  });
});

describe("fieldMessages", () => {
  it("keys a field error by its field and anything else by the empty string", () => {
    expect(fieldMessages(new ApiError(409, "conflict", "taken", "email"))).toEqual({ email: "taken" });
    expect(fieldMessages(networkError(new TypeError("Failed to fetch")))).toEqual({ "": "could not reach the server (Failed to fetch)" });
  });
});
