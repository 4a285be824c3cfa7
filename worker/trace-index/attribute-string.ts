/**
 * The string an attribute value is compared as. Jaeger compares tag values as strings, using
 * OpenTelemetry's `Value.AsString()`: strings as they are, booleans "true"/"false", integers in
 * decimal, doubles as JavaScript prints numbers (pdata follows ES6's number-to-string), bytes in
 * base64, arrays and maps as JSON — the same text our Jaeger v1 JSON shows for the tag.
 */
import { plainValue } from "../model/any-value";
import type { AnyValue } from "../model/span";

export function attributeString(value: AnyValue): string {
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return value.intValue;
  if ("boolValue" in value) return value.boolValue ? "true" : "false";
  if ("doubleValue" in value) return String(value.doubleValue);
  if ("bytesValue" in value) return value.bytesValue;
  if ("arrayValue" in value || "kvlistValue" in value) return JSON.stringify(plainValue(value));
  return "";
}
