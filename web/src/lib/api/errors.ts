/**
 * Every failed call becomes an `ApiError`: the Worker's `{error:{code,message,field?}}` envelope,
 * a Jaeger `{errors:[{code,msg}]}` envelope, an OTLP `{code,message}` status, or a network
 * failure, all read the same way.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault, so a form can show the message beside it. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** Status 0: the request never got an answer. */
export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(0, "network", `could not reach the server (${detail})`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Turns an error body (already parsed, or null when it was not JSON) into an ApiError. */
export function errorFromBody(status: number, body: unknown, statusText = ""): ApiError {
  if (isRecord(body)) {
    const error = body.error;
    if (isRecord(error) && typeof error.message === "string") {
      const field = typeof error.field === "string" ? error.field : undefined;
      return new ApiError(status, typeof error.code === "string" ? error.code : "error", error.message, field);
    }
    const errors = body.errors;
    if (Array.isArray(errors) && isRecord(errors[0]) && typeof errors[0].msg === "string") {
      return new ApiError(status, `jaeger_${String(errors[0].code ?? status)}`, errors[0].msg);
    }
    // OTLP answers a google.rpc.Status: {code, message}.
    if (typeof body.message === "string" && body.message !== "") return new ApiError(status, "otlp", body.message);
  }
  return new ApiError(status, "http_" + status, `the server answered ${status}${statusText ? ` ${statusText}` : ""}`);
}

/** Field name → message, for a form; errors without a field land under "". */
export function fieldMessages(error: unknown): Record<string, string> {
  if (error instanceof ApiError) return { [error.field ?? ""]: error.message };
  return { "": error instanceof Error ? error.message : String(error) };
}
