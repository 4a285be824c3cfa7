/**
 * Hand-written validation of the account and key JSON bodies: each failure is a 400 that names
 * the field, so a form can show the message beside it.
 */
import type { Context } from "hono";
import { BadRequest } from "../errors";
import { SCOPES, type KeyLimits, type Scope } from "./api-keys";

export type JsonObject = Record<string, unknown>;

export async function readJsonObject(c: Context): Promise<JsonObject> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new BadRequest("request body must be valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("request body must be a JSON object");
  }
  return body as JsonObject;
}

interface StringRule {
  min?: number;
  max: number;
  /** Label used in messages, e.g. "organization". Defaults to the field name. */
  label?: string;
}

export function stringField(body: JsonObject, field: string, { min = 1, max, label = field }: StringRule): string {
  const value = body[field];
  if (value === undefined || value === null) throw new BadRequest(`${label} is required`, field);
  if (typeof value !== "string") throw new BadRequest(`${label} must be a string`, field);
  if (value.length < min) {
    throw new BadRequest(min === 1 ? `${label} is required` : `${label} must be at least ${min} characters`, field);
  }
  if (value.length > max) throw new BadRequest(`${label} must be at most ${max} characters`, field);
  return value;
}

/** Deliberately loose (one @, a dot in the domain, no spaces): the only real test is mail arriving. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are compared lower-cased; the stored form is the lower-cased, trimmed one. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function emailField(body: JsonObject): string {
  const email = normalizeEmail(stringField(body, "email", { max: 254 }));
  if (!EMAIL_PATTERN.test(email)) throw new BadRequest("email is not a valid email address", "email");
  return email;
}

export const MIN_PASSWORD_LENGTH = 10;
/** PBKDF2 pre-hashes long passwords, so this only bounds request size, not CPU. */
const MAX_PASSWORD_LENGTH = 1024;

export function newPasswordField(body: JsonObject): string {
  return stringField(body, "password", { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH });
}

/** A name shown in the UI: trimmed, 1–100 characters. */
export function nameField(body: JsonObject, field: string): string {
  const value = stringField(body, field, { max: 1000 }).trim();
  if (value.length === 0) throw new BadRequest(`${field} is required`, field);
  if (value.length > 100) throw new BadRequest(`${field} must be at most 100 characters`, field);
  return value;
}

/** A non-empty subset of SCOPES, duplicates dropped, in SCOPES order. */
export function scopesField(body: JsonObject): Scope[] {
  const value = body.scopes;
  const allowed = SCOPES.map((s) => `"${s}"`).join(", ");
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequest(`scopes must be a non-empty array of ${allowed}`, "scopes");
  }
  for (const scope of value) {
    if (typeof scope !== "string" || !(SCOPES as readonly string[]).includes(scope)) {
      throw new BadRequest(`unknown scope ${JSON.stringify(scope)}: scopes may be ${allowed}`, "scopes");
    }
  }
  return SCOPES.filter((s) => value.includes(s));
}

/** The largest cap accepted: past any plan, so a typo of extra zeros is still refused. */
export const MAX_KEY_CAP = { spansPerSecond: 10_000_000, spansPerDay: 1_000_000_000_000 } as const;

/**
 * A key's `limits` object: `{spansPerSecond?, spansPerDay?}`, each a whole number ≥ 1 or null
 * (no cap). Returns only the fields present, so PATCH changes just those; `limits: null` clears both.
 */
export function keyLimitsField(body: JsonObject): Partial<KeyLimits> {
  const value = body.limits;
  if (value === undefined) return {};
  if (value === null) return { spansPerSecond: null, spansPerDay: null };
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequest("limits must be an object like {\"spansPerSecond\": 500, \"spansPerDay\": 1000000}", "limits");
  }
  const limits: Partial<KeyLimits> = {};
  for (const [name, cap] of Object.entries(value as JsonObject)) {
    if (name !== "spansPerSecond" && name !== "spansPerDay") {
      throw new BadRequest(`limits has no field "${name.slice(0, 40)}": use spansPerSecond and spansPerDay`, `limits.${name.slice(0, 40)}`);
    }
    const max = MAX_KEY_CAP[name];
    if (cap !== null && (typeof cap !== "number" || !Number.isInteger(cap) || cap < 1 || cap > max)) {
      throw new BadRequest(`limits.${name} must be a whole number from 1 to ${max}, or null for no cap`, `limits.${name}`);
    }
    limits[name] = cap;
  }
  return limits;
}
