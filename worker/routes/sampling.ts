/**
 * Sampling: the tenant's strategies (Jaeger's remote-sampling protocol), tail policy and adaptive
 * mode. Routes are added by the sampling work (issue 9).
 */
import { Hono } from "hono";

export const samplingRoutes = new Hono<{ Bindings: Env }>();
