/**
 * Our span model → OTLP JSON for the v3 API. The model already is OTLP JSON, flattened: this
 * nests spans back under their resource and scope. Adjustment warnings become the span attribute
 * Jaeger v2 uses for them, `@jaeger@warnings` (a list of strings), which Jaeger UI shows.
 */
import type { AnyValue, Span, Trace } from "../model/span";
import type { TraceWarnings } from "./v1-trace";
import type { OtlpResourceSpans, OtlpScopeSpans, OtlpSpan } from "./v3-types";

export const WARNINGS_ATTRIBUTE = "@jaeger@warnings";

export function toOtlpResourceSpans(trace: Trace, adjustments?: TraceWarnings): OtlpResourceSpans[] {
  const resources = new Map<number, { out: OtlpResourceSpans; scopes: Map<number, OtlpScopeSpans> }>();
  for (const span of trace.spans) {
    let resource = resources.get(span.resource);
    if (!resource) {
      const { schemaUrl, ...fields } = trace.resources[span.resource] ?? { attributes: [] };
      resource = { out: { resource: fields, scopeSpans: [], ...(schemaUrl ? { schemaUrl } : {}) }, scopes: new Map() };
      resources.set(span.resource, resource);
    }
    let scope = resource.scopes.get(span.scope);
    if (!scope) {
      const { schemaUrl, ...fields } = trace.scopes[span.scope] ?? { name: "" };
      scope = { scope: fields, spans: [], ...(schemaUrl ? { schemaUrl } : {}) };
      resource.scopes.set(span.scope, scope);
      resource.out.scopeSpans.push(scope);
    }
    scope.spans.push(toOtlpSpan(span, adjustments?.spanWarnings.get(span)));
  }
  return [...resources.values()].map((r) => r.out);
}

function toOtlpSpan(span: Span, warnings: string[] | undefined): OtlpSpan {
  const { resource: _resource, scope: _scope, parentSpanId, ...fields } = span;
  const attributes = warnings?.length
    ? [...span.attributes, { key: WARNINGS_ATTRIBUTE, value: { arrayValue: { values: warnings.map((w): AnyValue => ({ stringValue: w })) } } }]
    : span.attributes;
  return { ...fields, ...(parentSpanId ? { parentSpanId } : {}), attributes };
}
