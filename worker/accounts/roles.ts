/**
 * Roles inside an organisation, weakest first. Each role may do everything the ones before it
 * may: viewers read traces; members also create and revoke their own keys and archive traces;
 * admins manage every key and its caps, members, invites, sampling and the audit trail; owners
 * also change the organisation's settings and delete it.
 */
import { BadRequest } from "../errors";
import type { JsonObject } from "./input";

export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `role` may do what `needed` may. */
export function atLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** A stored role; an unknown one (a row written by a newer version) counts as the weakest. */
export function parseRole(value: string): Role {
  return isRole(value) ? value : "viewer";
}

/** The `role` field of a request body. */
export function roleField(body: JsonObject): Role {
  const value = body.role;
  if (!isRole(value)) throw new BadRequest(`role must be one of ${ROLES.map((r) => `"${r}"`).join(", ")}`, "role");
  return value;
}
