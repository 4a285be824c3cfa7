/**
 * The exact test of a search's GenAI conditions on a trace it read: the model and agent among its
 * steps, and its tokens (counted once) and cost (at the tenant's prices) at least the minimums.
 * Only traces whose filters hold the conditions' terms get here (prefilter.ts), so the conversion
 * to the shared model's input runs on GenAI traces only.
 */
import { toJaegerTrace } from "../jaeger/v1-trace";
import { genAiTotals } from "../model/genai";
import type { Trace } from "../model/span";
import type { GenAiFilter } from "./search-query";

export function genAiMatches(trace: Trace, filter: GenAiFilter): boolean {
  const totals = genAiTotals(toJaegerTrace(trace), filter.prices);
  if (filter.model && !totals.models.includes(filter.model)) return false;
  if (filter.agent && !totals.agents.includes(filter.agent)) return false;
  if (filter.minTokens !== null && totals.tokens < filter.minTokens) return false;
  // A hair of tolerance: a cost summed from float prices must not miss a minimum it equals.
  if (filter.minCostUsd !== null && totals.cost < filter.minCostUsd - 1e-12) return false;
  return true;
}
