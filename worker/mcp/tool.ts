/**
 * What one MCP tool is: a name, what a model reads about it, its input (a zod shape, which the SDK
 * validates and publishes as JSON Schema) and a function from the caller's tenant and the input to
 * text sized for a model's context. Tools only read: every one runs for one tenant, the key's.
 */
import type { z } from "zod";
import { parseLookback } from "../query/duration";
import { InvalidParameter } from "../query/errors";
import type { TenantConfig } from "../storage/tenant-directory";

export interface ToolContext {
  env: Env;
  /** The tenant of the key that called: every read is scoped to it. */
  tenant: TenantConfig;
  /** Where the web app is ("https://…"): links in answers start here. */
  origin: string;
  now: number;
}

export interface ToolDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: Shape;
  /** Text for the model; throw (e.g. InvalidParameter) for a refusal the model should read and fix. */
  run(context: ToolContext, args: z.infer<z.ZodObject<Shape>>): Promise<string>;
}

/** Keeps each tool's argument types tied to its own input shape. */
export function defineTool<Shape extends z.ZodRawShape>(tool: ToolDefinition<Shape>): ToolDefinition<Shape> {
  return tool;
}

/** "1h", "24h", "7d": Jaeger's lookback syntax, the same the search API takes. */
export const LOOKBACK_HELP = 'How far back to look, as a Go-style duration with days allowed: "30m", "6h", "2d".';

const DAY_MS = 86_400_000;
/** Hour buckets of the graph and metrics are kept 90 days; the metrics routes allow 92. */
export const MAX_LOOKBACK_MS = 92 * DAY_MS;

/** A lookback argument in ms, refused with the reason when unreadable, not positive or too long. */
export function lookbackMs(text: string | undefined, fallback: string, name = "lookback"): number {
  const given = text ?? fallback;
  let ns: number | null;
  try {
    ns = parseLookback(given);
  } catch (error) {
    throw new InvalidParameter(name, `'${name}' must be a duration such as "1h" or "2d": ${(error as Error).message}`);
  }
  if (ns === null || ns <= 0) throw new InvalidParameter(name, `'${name}' must be a positive duration such as "1h" or "2d", got "${given.slice(0, 32)}"`);
  const msValue = Math.ceil(ns / 1e6);
  if (msValue > MAX_LOOKBACK_MS) throw new InvalidParameter(name, `'${name}' must be at most ${MAX_LOOKBACK_MS / DAY_MS} days`);
  return msValue;
}
