/**
 * What the edgetrace Worker answers, as the web app reads it. The account, key and settings shapes
 * are the wire contract of worker/routes/{account,keys,usage,settings}.ts (their server types pull
 * in D1, so they are restated here); the Jaeger shapes come from the Worker's own definitions.
 */
import type { JaegerTrace } from "$jaeger/v1-types";

export type { JaegerKeyValue, JaegerProcess, JaegerSpan, JaegerTrace } from "$jaeger/v1-types";

export interface Tenant {
  id: string;
  name: string;
}

export interface User {
  id: string;
  email: string;
}

/** A role in an organisation, weakest first (worker/accounts/roles.ts). */
export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

export function atLeast(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export interface Organization extends Tenant {
  role: Role;
}

/** GET /api/me adds the role and the organisations to switch to; login and sign-up answer without them. */
export interface Account {
  tenant: Tenant;
  user: User;
  role?: Role;
  organizations?: Organization[];
}

/** worker/routes/members.ts */
export interface Member {
  userId: string;
  email: string;
  role: Role;
  joinedAt: number;
}

/** worker/routes/invites.ts: a pending invite; `url` only when just created (its token is not stored). */
export interface Invite {
  id: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  url?: string;
}

/** POST /api/invites/lookup */
export interface InviteInfo {
  organization: string;
  email: string;
  role: Role;
  expiresAt: number;
  existingAccount: boolean;
}

/** worker/accounts/audit.ts */
export interface AuditEvent {
  id: number;
  at: number;
  action: string;
  actor: { id: string | null; email: string | null };
  target: unknown;
  ip: string | null;
  userAgent: string | null;
}

export const SCOPES = ["ingest", "read"] as const;
export type Scope = (typeof SCOPES)[number];

/** Caps a key's owner sets to protect their budget; null: none. Over one, ingest answers 429. */
export interface KeyLimits {
  spansPerSecond: number | null;
  spansPerDay: number | null;
}

/** A key as listed: never the secret, only its display prefix. Times are ms since the epoch. */
export interface ApiKeyListing {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  limits: KeyLimits;
}

/** A key just created: the only time its secret `key` is ever shown. */
export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: number;
  limits: KeyLimits;
  key: string;
}

export interface SignupResult extends Account {
  apiKey: { id: string; name: string; key: string; scopes: Scope[] };
}

/** GET /api/usage: counted since the tenant's trace objects last started. */
export interface UsageReport {
  usage: { since: number; spansAppended: number; tracesCompleted: number };
  openTraces: number;
}

/** GET and PUT /api/settings: the tenant's settings and the bounds the server enforces. */
export interface TenantSettings {
  /** Traces older than this many days are deleted; archived traces are kept. */
  retentionDays: number;
  retentionLimits: { min: number; max: number };
  shards: number;
}

/** DELETE /api/account, 202: accepted; stored traces finish erasing in the background. */
export interface AccountDeleted {
  deleted: string;
  message: string;
}

/** Jaeger v1 query API envelope, as far as the app reads it. */
export interface JaegerResponse<T> {
  data: T | null;
  errors?: Array<{ code: number; msg: string; traceID?: string }> | null;
}

export type TraceList = JaegerTrace[];
