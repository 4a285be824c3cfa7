/**
 * IngestLimiter: a tenant's ingest limits — spans per second with a burst, the plan's monthly
 * quota, each key's caps — enforced where its state lives, one object (or a few, for a tenant with
 * many shards) per tenant, so a tenant at its limit slows no other. Built by the limits work
 * (issue 9); see worker/limits/.
 */
import { DurableObject } from "cloudflare:workers";

export class IngestLimiter extends DurableObject<Env> {}
