/** Converting OTLP attribute values (AnyValue) to what readers show and compare. */
import type { AnyValue } from "./span";

/** An AnyValue as plain JSON: ["a", 1, true], {"k": "v"}. */
export function plainValue(value: AnyValue): unknown {
  if ("stringValue" in value) return value.stringValue;
  if ("boolValue" in value) return value.boolValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue;
  if ("bytesValue" in value) return value.bytesValue;
  if ("arrayValue" in value) return value.arrayValue.values.map(plainValue);
  if ("kvlistValue" in value) return Object.fromEntries(value.kvlistValue.values.map((kv) => [kv.key, plainValue(kv.value)]));
  return null;
}
