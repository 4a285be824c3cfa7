/**
 * A trace's AI agent steps, read from spans that follow the OpenTelemetry GenAI semantic
 * conventions: agents (`invoke_agent`), model calls (`chat`, `text_completion`,
 * `generate_content`, `embeddings`) and tool calls (`execute_tool`), as a tree of steps with the
 * tokens and cost of each and of the whole trace. One definition for the Worker (the trace's cost
 * through the API, search's token and cost filters) and the app (the Agent tab).
 *
 * It reads a trace in Jaeger's JSON shape, which both sides already hold: the app renders it, the
 * Worker makes it for every trace it answers.
 *
 * Tokens are counted once. Instrumentations often put a run's totals on the agent span as well as
 * each model call's own usage on the call (the demo does), so a step's tokens count towards its
 * ancestors and the trace only when no step below it reports tokens; otherwise its subtree's count
 * is its children's.
 */
import type { JaegerSpan, JaegerTrace } from "../jaeger/v1-types";
import { messagesOf, tagMap, text, type GenAiMessage, type Tags } from "./genai-messages";
import { costOf, priceOf, type ModelPrice } from "./model-prices";

export type { GenAiMessage };

export type StepKind = "agent" | "model" | "tool" | "other";

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
}

export interface GenAiStep {
  /** Position in `GenAiTrace.steps` (depth-first, children by start time). */
  readonly index: number;
  readonly spanId: string;
  /** Parent step's index, or −1: the nearest ancestor span that is a step. */
  readonly parent: number;
  readonly children: number[];
  readonly depth: number;
  readonly kind: StepKind;
  /** `gen_ai.operation.name` as sent ("" when absent). */
  readonly operation: string;
  readonly name: string;
  readonly service: string;
  readonly agent: string;
  readonly tool: string;
  /** The model that answered (`gen_ai.response.model`), else the one asked for. */
  readonly model: string;
  readonly requestModel: string;
  readonly provider: string;
  readonly startUs: number;
  readonly durationUs: number;
  readonly error: boolean;
  /** Its own usage attributes; null when the span has none. */
  readonly own: TokenCounts | null;
  /** Tokens of its subtree, counted once (see the module comment). */
  readonly tokens: TokenCounts;
  /** USD of its subtree at the tenant's prices; tokens of unpriced models add nothing. */
  readonly cost: number;
  /**
   * Whether every counted token of its subtree had a price. False also marks a step whose own
   * tokens are counted but whose model is not in the table: shown as "no price", not as $0.
   */
  readonly priced: boolean;
  readonly messages: readonly GenAiMessage[];
}

export interface GenAiTrace {
  readonly steps: readonly GenAiStep[];
  readonly roots: readonly number[];
  readonly tokens: TokenCounts;
  readonly cost: number;
  /** Models whose tokens were counted but which the table has no price for. */
  readonly unpricedModels: readonly string[];
  /** Distinct models and agent names of the trace. */
  readonly models: readonly string[];
  readonly agents: readonly string[];
}

const AGENT_OPERATIONS = new Set(["invoke_agent", "create_agent"]);
const MODEL_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "embeddings"]);
const TOOL_OPERATIONS = new Set(["execute_tool"]);

/** A token count: a non-negative integer (int64 arrives as a number, or as a string from some exporters). Anything else is no count. */
function count(tags: Tags, key: string): number | null {
  const value = tags.get(key);
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d{1,15}$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** Whether the span speaks GenAI: any `gen_ai.*` attribute. */
export function isGenAiSpan(span: JaegerSpan): boolean {
  return span.tags.some((tag) => tag.key.startsWith("gen_ai."));
}

export function hasGenAi(trace: JaegerTrace): boolean {
  return trace.spans.some(isGenAiSpan);
}

function kindOf(tags: Tags): StepKind {
  const operation = text(tags, "gen_ai.operation.name");
  if (AGENT_OPERATIONS.has(operation)) return "agent";
  if (MODEL_OPERATIONS.has(operation)) return "model";
  if (TOOL_OPERATIONS.has(operation)) return "tool";
  if (tags.has("gen_ai.tool.name")) return "tool";
  if (tags.has("gen_ai.agent.name")) return "agent";
  if (tags.has("gen_ai.request.model") || tags.has("gen_ai.response.model")) return "model";
  return "other";
}

interface Draft {
  span: JaegerSpan;
  tags: Tags;
  service: string;
  parent: number;
  children: number[];
}

/** The agent steps of a trace, priced by `prices`; a trace without GenAI spans has none. */
export function genAiSteps(trace: JaegerTrace, prices: readonly ModelPrice[]): GenAiTrace {
  const byId = new Map<string, JaegerSpan>();
  for (const span of trace.spans) if (!byId.has(span.spanID)) byId.set(span.spanID, span);
  const isStep = new Map<string, Tags>();
  for (const span of byId.values()) if (isGenAiSpan(span)) isStep.set(span.spanID, tagMap(span.tags));

  // Each step's parent step: the nearest ancestor span that is one (through plain spans such as an
  // HTTP call between an agent and its tool), guarding against cycles in malformed parent links.
  const parentStep = (span: JaegerSpan): string => {
    const seen = new Set<string>([span.spanID]);
    let ref = span.references.find((r) => r.refType === "CHILD_OF") ?? span.references[0];
    while (ref && !seen.has(ref.spanID)) {
      if (isStep.has(ref.spanID)) return ref.spanID;
      seen.add(ref.spanID);
      const up = byId.get(ref.spanID);
      ref = up ? (up.references.find((r) => r.refType === "CHILD_OF") ?? up.references[0]) : undefined;
    }
    return "";
  };

  const ids = [...isStep.keys()].sort((a, b) => (byId.get(a)?.startTime ?? 0) - (byId.get(b)?.startTime ?? 0));
  const childrenOf = new Map<string, string[]>();
  for (const id of ids) {
    const parent = parentStep(byId.get(id) as JaegerSpan);
    const list = childrenOf.get(parent);
    if (list) list.push(id);
    else childrenOf.set(parent, [id]);
  }

  const steps: GenAiStep[] = [];
  /** Per step: whether it or a step below it reports tokens. */
  const counted: boolean[] = [];
  const roots: number[] = [];
  const models = new Set<string>();
  const agents = new Set<string>();
  const unpriced = new Set<string>();

  const build = (id: string, parent: number, depth: number): GenAiStep => {
    const span = byId.get(id) as JaegerSpan;
    const tags = isStep.get(id) as Tags;
    const index = steps.length;
    const requestModel = text(tags, "gen_ai.request.model");
    const model = text(tags, "gen_ai.response.model") || requestModel;
    const agent = text(tags, "gen_ai.agent.name");
    if (requestModel) models.add(requestModel);
    if (agent) agents.add(agent);
    const input = count(tags, "gen_ai.usage.input_tokens");
    const output = count(tags, "gen_ai.usage.output_tokens");
    const own = input === null && output === null ? null : { inputTokens: input ?? 0, outputTokens: output ?? 0 };
    const children: number[] = [];
    // Reserve the index (depth-first order: a step before its children); filled once the subtree is known.
    steps.push(null as unknown as GenAiStep);
    counted.push(false);
    let below: TokenCounts | null = null;
    let belowCost = 0;
    let belowPriced = true;
    for (const child of childrenOf.get(id) ?? []) {
      const step = build(child, index, depth + 1);
      children.push(step.index);
      if (counted[step.index]) {
        below ??= { inputTokens: 0, outputTokens: 0 };
        below.inputTokens += step.tokens.inputTokens;
        below.outputTokens += step.tokens.outputTokens;
      }
      belowCost += step.cost;
      belowPriced &&= step.priced;
    }
    let tokens: TokenCounts;
    let cost: number;
    let priced: boolean;
    if (below !== null || own === null) {
      tokens = below ?? { inputTokens: 0, outputTokens: 0 };
      cost = belowCost;
      priced = belowPriced;
    } else {
      tokens = own;
      const price = priceOf(prices, model) ?? priceOf(prices, requestModel);
      cost = price ? costOf(price, own.inputTokens, own.outputTokens) : 0;
      priced = price !== undefined || own.inputTokens + own.outputTokens === 0;
      if (!priced) unpriced.add(model || "(no model)");
    }
    const step: GenAiStep = {
      index,
      spanId: id,
      parent,
      children,
      depth,
      kind: kindOf(tags),
      operation: text(tags, "gen_ai.operation.name"),
      name: span.operationName,
      service: trace.processes[span.processID]?.serviceName ?? "",
      agent,
      tool: text(tags, "gen_ai.tool.name"),
      model,
      requestModel,
      provider: text(tags, "gen_ai.provider.name") || text(tags, "gen_ai.system"),
      startUs: span.startTime,
      durationUs: span.duration,
      error: tags.get("error") === true || tags.get("otel.status_code") === "ERROR",
      own,
      tokens,
      cost,
      priced,
      messages: messagesOf(span, tags),
    };
    steps[index] = step;
    counted[index] = own !== null || below !== null;
    return step;
  };

  const total = { inputTokens: 0, outputTokens: 0 };
  let cost = 0;
  for (const id of childrenOf.get("") ?? []) {
    const step = build(id, -1, 0);
    roots.push(step.index);
    total.inputTokens += step.tokens.inputTokens;
    total.outputTokens += step.tokens.outputTokens;
    cost += step.cost;
  }
  return { steps, roots, tokens: total, cost, unpricedModels: [...unpriced].sort(), models: [...models].sort(), agents: [...agents].sort() };
}

/** A trace's totals alone (search's exact check): tokens counted once, cost at these prices. */
export function genAiTotals(trace: JaegerTrace, prices: readonly ModelPrice[]): { tokens: number; cost: number; models: readonly string[]; agents: readonly string[] } {
  const steps = genAiSteps(trace, prices);
  return { tokens: steps.tokens.inputTokens + steps.tokens.outputTokens, cost: steps.cost, models: steps.models, agents: steps.agents };
}
