/**
 * Every tool the MCP server offers, in the order clients list them. A new tool is a module under
 * tools/ and one line here.
 */
import type { ToolDefinition } from "../tool";
import { findBrokenTracesTool } from "./find-broken-traces";
import { getDependencies } from "./get-dependencies";
import { getServiceMetrics } from "./get-service-metrics";
import { getTrace } from "./get-trace";
import { listOperations } from "./list-operations";
import { listServices } from "./list-services";
import { searchTraces } from "./search-traces";

export const TOOLS: readonly ToolDefinition[] = [listServices, listOperations, searchTraces, getTrace, getDependencies, getServiceMetrics, findBrokenTracesTool];
