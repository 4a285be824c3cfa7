/**
 * Typed HTTP errors. Routes throw them; the app's one `onError` turns them into the JSON envelope
 * `{ error: { code, message, field? } }` (OTLP routes answer a google.rpc.Status instead).
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ErrorCode = {
  badRequest: "bad_request",
  unauthorized: "unauthorized",
  forbidden: "forbidden",
  notFound: "not_found",
  conflict: "conflict",
  payloadTooLarge: "payload_too_large",
  unsupportedMediaType: "unsupported_media_type",
  tooManyRequests: "too_many_requests",
  unavailable: "unavailable",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    /** The request field at fault, so a form can show the message beside it. */
    readonly field?: string,
    /** Seconds a client should wait before retrying (429/503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

export class BadRequest extends HttpError {
  constructor(message: string, field?: string) {
    super(400, ErrorCode.badRequest, message, field);
  }
}

export class Unauthorized extends HttpError {
  constructor(message = "missing or invalid credentials") {
    super(401, ErrorCode.unauthorized, message);
  }
}

export class Forbidden extends HttpError {
  constructor(message: string) {
    super(403, ErrorCode.forbidden, message);
  }
}

export class NotFound extends HttpError {
  constructor(message = "not found") {
    super(404, ErrorCode.notFound, message);
  }
}

export class Conflict extends HttpError {
  constructor(message: string, field?: string) {
    super(409, ErrorCode.conflict, message, field);
  }
}

export class PayloadTooLarge extends HttpError {
  constructor(message: string) {
    super(413, ErrorCode.payloadTooLarge, message);
  }
}

export class UnsupportedMediaType extends HttpError {
  constructor(message: string) {
    super(415, ErrorCode.unsupportedMediaType, message);
  }
}

export class TooManyRequests extends HttpError {
  constructor(message: string, retryAfter: number) {
    super(429, ErrorCode.tooManyRequests, message, undefined, retryAfter);
  }
}

export class Unavailable extends HttpError {
  constructor(message: string, retryAfter = 1) {
    super(503, ErrorCode.unavailable, message, undefined, retryAfter);
  }
}
