/**
 * A hand-built AI agent trace in OTLP/JSON, following the GenAI semantic conventions, for the
 * agent view's tests (inside workerd and against wrangler dev). No imports from `worker/`: the
 * expected tokens and costs are worked out by hand in the tests.
 *
 *   POST /ask (root, SERVER)
 *   └─ invoke_agent {agent}            usage = the run's totals (input a+b, output c+d)
 *      ├─ chat {model}                 a in / c out
 *      ├─ execute_tool lookup_order    no tokens
 *      └─ chat {model}                 b in / d out; prompt and completion as events
 */
import { makeSpan, type JsonObject } from "./otlp-builders";

export interface AgentTraceOptions {
  traceId: string;
  agent?: string;
  model?: string;
  /** Tokens of the first and second model call. */
  first?: { input: number; output: number };
  second?: { input: number; output: number };
  /** Nanoseconds since the epoch of the root's start. */
  startNs?: bigint;
  prompt?: string;
  completion?: string;
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

let nextId = 0x6a1000;
const spanId = () => (nextId++).toString(16).padStart(16, "0");

export function agentTraceSpans(options: AgentTraceOptions): JsonObject[] {
  const agent = options.agent ?? "support-bot";
  const model = options.model ?? "gpt-4o-mini";
  const first = options.first ?? { input: 1_000, output: 50 };
  const second = options.second ?? { input: 1_200, output: 150 };
  const t0 = options.startNs ?? BigInt(Date.now() - 60_000) * 1_000_000n;
  const at = (ms: number) => String(t0 + BigInt(ms) * 1_000_000n);
  const ids = { root: spanId(), agent: spanId(), chat1: spanId(), tool: spanId(), chat2: spanId() };
  const span = (id: string, parent: string, name: string, from: number, to: number, kind: number, attributes: JsonObject[], events: JsonObject[] = []) =>
    makeSpan({ traceId: options.traceId, spanId: id, parentSpanId: parent, name, kind, startTimeUnixNano: at(from), endTimeUnixNano: at(to), attributes, events });
  return [
    span(ids.root, "", "POST /ask", 0, 2_000, 2, [str("http.request.method", "POST")]),
    span(ids.agent, ids.root, `invoke_agent ${agent}`, 5, 1_990, 1, [
      str("gen_ai.operation.name", "invoke_agent"),
      str("gen_ai.agent.name", agent),
      str("gen_ai.request.model", model),
      int("gen_ai.usage.input_tokens", first.input + second.input),
      int("gen_ai.usage.output_tokens", first.output + second.output),
    ]),
    span(ids.chat1, ids.agent, `chat ${model}`, 10, 700, 3, [
      str("gen_ai.operation.name", "chat"),
      str("gen_ai.provider.name", "openai"),
      str("gen_ai.request.model", model),
      str("gen_ai.response.model", `${model}-2024-07-18`),
      int("gen_ai.usage.input_tokens", first.input),
      int("gen_ai.usage.output_tokens", first.output),
    ]),
    span(ids.tool, ids.agent, "execute_tool lookup_order", 710, 900, 1, [str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "lookup_order")]),
    span(
      ids.chat2,
      ids.agent,
      `chat ${model}`,
      910,
      1_980,
      3,
      [str("gen_ai.operation.name", "chat"), str("gen_ai.provider.name", "openai"), str("gen_ai.request.model", model), int("gen_ai.usage.input_tokens", second.input), int("gen_ai.usage.output_tokens", second.output)],
      [
        { timeUnixNano: at(911), name: "gen_ai.user.message", attributes: [str("content", options.prompt ?? "Where is order 1042?")] },
        { timeUnixNano: at(1_979), name: "gen_ai.choice", attributes: [str("message", options.completion ?? "Order 1042 ships tomorrow.")] },
      ],
    ),
  ];
}
