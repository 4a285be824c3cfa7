/**
 * Prompts and completions a GenAI span carries, in whichever form its instrumentation chose:
 * the attributes `gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`
 * (current conventions; also as attributes of a `gen_ai.client.inference.operation.details`
 * event), the per-message events `gen_ai.{system,user,assistant,tool}.message` and `gen_ai.choice`
 * (conventions up to v1.36), and the older `gen_ai.prompt`/`gen_ai.completion`. Content is kept
 * as captured (usually JSON text): the view shows it, it does not interpret it.
 */
import type { JaegerKeyValue, JaegerSpan } from "../jaeger/v1-types";

/** A prompt or completion as captured: from an event (`gen_ai.user.message`, `gen_ai.choice`…) or an attribute (`gen_ai.input.messages`…). */
export interface GenAiMessage {
  /** input: sent to the model (system, user, tool results); output: what it answered. */
  direction: "input" | "output";
  /** Where it was found: the event or attribute name. */
  source: string;
  /** The role when known (system, user, assistant, tool). */
  role: string;
  /** The content as text (JSON kept as captured). */
  content: string;
}

/** A span's (or an event's) attributes by key, the first of a repeated key winning. */
export type Tags = ReadonlyMap<string, string | number | boolean>;

export function tagMap(tags: readonly JaegerKeyValue[]): Tags {
  const map = new Map<string, string | number | boolean>();
  for (const tag of tags) if (!map.has(tag.key)) map.set(tag.key, tag.value);
  return map;
}

export const text = (tags: Tags, key: string): string => {
  const value = tags.get(key);
  return value === undefined ? "" : String(value);
};

const ROLE_OF_EVENT: Record<string, string> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
  "gen_ai.content.prompt": "user",
};

/** Prompts and completions the span carries, in the order found: attributes first, then events. */
export function messagesOf(span: JaegerSpan, tags: Tags): GenAiMessage[] {
  const messages: GenAiMessage[] = [];
  const fromAttributes = (attributes: Tags, source: (key: string) => string) => {
    for (const [key, direction, role] of [
      ["gen_ai.system_instructions", "input", "system"],
      ["gen_ai.input.messages", "input", ""],
      ["gen_ai.prompt", "input", ""],
      ["gen_ai.output.messages", "output", ""],
      ["gen_ai.completion", "output", ""],
    ] as const) {
      const value = attributes.get(key);
      if (value !== undefined && value !== "") messages.push({ direction, source: source(key), role, content: String(value) });
    }
  };
  fromAttributes(tags, (key) => key);
  for (const log of span.logs) {
    const fields = tagMap(log.fields);
    const name = text(fields, "event");
    if (!name.startsWith("gen_ai.")) continue;
    const before = messages.length;
    fromAttributes(fields, (key) => `${name}: ${key}`);
    if (messages.length > before) continue;
    const output = name === "gen_ai.choice" || name === "gen_ai.content.completion";
    const role = text(fields, "gen_ai.message.role") || text(fields, "role") || ROLE_OF_EVENT[name] || (output ? "assistant" : "");
    if (!output && !(name in ROLE_OF_EVENT)) continue;
    // The body's fields, whatever the instrumentation named them: everything but the event name.
    const body = log.fields.filter((field) => field.key !== "event" && field.key !== "gen_ai.system" && field.key !== "gen_ai.provider.name");
    const content = body.length === 1 ? String(body[0]?.value) : JSON.stringify(Object.fromEntries(body.map((field) => [field.key, field.value])));
    messages.push({ direction: output ? "output" : "input", source: name, role, content });
  }
  return messages;
}
