/**
 * The exact test, on a trace's decoded spans: does ONE span meet every condition of the search?
 * (Jaeger's semantics: service, operation, start window, duration bounds and all tags on the same
 * span; tag values compared as strings against the span's, its scope's, its resource's, its
 * events' and its links' attributes; `error`, `span.kind`, `span.status`, `scope.*` read span
 * fields; `resource.<key>` reads the resource only.)
 */
import { serviceNameOf, StatusCode, type KeyValue, type Span, type Trace } from "../model/span";
import { nanosToMicros } from "../model/time";
import { attributeString } from "../trace-index/attribute-string";
import { genAiMatches } from "./genai-match";
import type { SearchQuery, TagCondition } from "./search-query";

export function traceMatches(trace: Trace, query: SearchQuery): boolean {
  const services = trace.resources.map((resource) => serviceNameOf(resource));
  if (!trace.spans.some((span) => spanMatches(trace, span, services[span.resource] ?? "", query))) return false;
  return query.genai === undefined || genAiMatches(trace, query.genai);
}

export function spanMatches(trace: Trace, span: Span, service: string, query: SearchQuery): boolean {
  if (query.service && service !== query.service) return false;
  if (query.operation && span.name !== query.operation) return false;
  const startUs = nanosToMicros(span.startTimeUnixNano);
  if (startUs < query.startUs || startUs > query.endUs) return false;
  if (query.durationMin !== null || query.durationMax !== null) {
    const length = spanNanos(span);
    if (query.durationMin !== null && length < query.durationMin) return false;
    if (query.durationMax !== null && length > query.durationMax) return false;
  }
  return query.tags.every((condition) => tagMatches(trace, span, condition));
}

/** end − start in ns, exact for spans up to ~104 days (2^53 ns). */
export function spanNanos(span: Span): number {
  const split = (nanos: string) => [nanosToMicros(nanos), Number(nanos.slice(-3))] as const;
  const [startUs, startNs] = split(span.startTimeUnixNano);
  const [endUs, endNs] = split(span.endTimeUnixNano);
  return Math.max(0, (endUs - startUs) * 1000 + endNs - startNs);
}

function tagMatches(trace: Trace, span: Span, condition: TagCondition): boolean {
  const scope = trace.scopes[span.scope];
  switch (condition.kind) {
    case "error":
      return condition.value !== null && (span.status.code === StatusCode.ERROR) === condition.value;
    case "spanKind":
      return span.kind === condition.value;
    case "status":
      return span.status.code === condition.value;
    case "scopeName":
      return (scope?.name ?? "") === condition.value;
    case "scopeVersion":
      return (scope?.version ?? "") === condition.value;
    case "resource":
      return has(trace.resources[span.resource]?.attributes, condition.key, condition.value);
    case "attribute": {
      const { key, value } = condition;
      return (
        has(span.attributes, key, value) ||
        has(scope?.attributes, key, value) ||
        has(trace.resources[span.resource]?.attributes, key, value) ||
        span.events.some((event) => has(event.attributes, key, value)) ||
        span.links.some((link) => has(link.attributes, key, value))
      );
    }
  }
}

function has(attributes: KeyValue[] | undefined, key: string, value: string): boolean {
  return attributes?.some((kv) => kv.key === key && attributeString(kv.value) === value) ?? false;
}
