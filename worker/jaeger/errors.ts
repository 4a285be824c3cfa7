/**
 * Jaeger clients parse errors in their API's own shape, not ours: v1 answers in its envelope
 * (`{data: null, errors: [{code, msg}]}`), v3 as grpc-gateway does (`{error: {httpCode, message}}`).
 * This middleware re-renders the query-parameter errors (InvalidParameter) that the app's onError
 * answered in our shape. Authentication errors keep our shape: they are the same on every route.
 */
import { createMiddleware } from "hono/factory";
import { InvalidParameter } from "../query/errors";
import { envelope } from "./v1-types";
import { v3Error } from "./v3-types";

export function jaegerErrors(version: "v1" | "v3") {
  return createMiddleware<{ Bindings: Env }>(async function jaegerErrors(c, next) {
    await next();
    // hono hands a handler's error to onError before we get here; the error stays on c.error.
    if (c.error instanceof InvalidParameter) {
      const message = c.error.message;
      c.res = version === "v1" ? c.json(envelope(null, [{ code: 400, msg: message }]), 400) : c.json(v3Error(400, message), 400);
    }
  });
}
