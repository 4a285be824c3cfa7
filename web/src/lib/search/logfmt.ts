/**
 * Tag filters typed the way Jaeger UI takes them: logfmt, `error=true http.status_code=500
 * db.statement="SELECT 1"`. Values may be double-quoted (with `\"` and `\\` escapes) to hold
 * spaces or `=`. The query API wants them as a JSON map of strings.
 */

export type Tags = Record<string, string>;

export type LogfmtResult = { ok: true; tags: Tags } | { ok: false; error: string };

export function parseLogfmt(input: string): LogfmtResult {
  const tags: Tags = {};
  let i = 0;
  const n = input.length;
  const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
  while (i < n) {
    while (i < n && isSpace(input[i])) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && input[i] !== "=" && !isSpace(input[i]) && input[i] !== '"') i++;
    const key = input.slice(keyStart, i);
    if (key === "") return { ok: false, error: `expected a key at position ${keyStart + 1}` };
    if (input[i] !== "=") return { ok: false, error: `"${key}" needs a value, e.g. ${key}=value` };
    i++; // past "="
    let value = "";
    if (input[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = input[i];
        if (c === "\\" && i + 1 < n) {
          value += input[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return { ok: false, error: `the value of "${key}" has no closing quote` };
      if (i < n && !isSpace(input[i])) return { ok: false, error: `put a space after the quoted value of "${key}"` };
    } else {
      const valueStart = i;
      while (i < n && !isSpace(input[i])) {
        if (input[i] === '"') return { ok: false, error: `quote the whole value of "${key}", e.g. ${key}="a b"` };
        i++;
      }
      value = input.slice(valueStart, i);
    }
    tags[key] = value;
  }
  return { ok: true, tags };
}

/** The logfmt text of `tags`, quoting values only when they need it. */
export function formatLogfmt(tags: Tags): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${/^[^\s"=\\]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`}`)
    .join(" ");
}
