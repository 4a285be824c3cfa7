/**
 * The digest as Markdown: what "Copy for AI" copies and what the MCP server's `get_trace` answers.
 *
 * Held to a token budget, measured as characters ÷ 4 (the usual rule of thumb for English and
 * code with GPT- and Claude-style tokenizers; ids and numbers tokenize worse, so the budget keeps
 * a margin). The digest's own caps make most traces fit at full detail; when one does not (many
 * distinct errors with long stacks, say), it is rendered again with less detail — fewer frames,
 * fewer rows — and, as a last resort, cut with a note that says so.
 */
import { clip, ms, msRange, plural } from "./format";
import type { DigestSpanRef, TraceDigest } from "./digest";

/** Roughly 8,000 tokens: the issue's ceiling for a 10,000-span trace, with a margin below it. */
export const DIGEST_TOKEN_BUDGET = 7_500;

/** Our token estimate: characters ÷ 4, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

interface Detail {
  stackFrames: number;
  errorGroups: number;
  criticalSteps: number;
  repeated: number;
  patternSpans: number;
  outlineRows: number;
}

/** Most detail first; each level is tried until one fits the budget. */
const LEVELS: Detail[] = [
  { stackFrames: 3, errorGroups: 12, criticalSteps: 20, repeated: 12, patternSpans: 3, outlineRows: 60 },
  { stackFrames: 1, errorGroups: 8, criticalSteps: 15, repeated: 8, patternSpans: 2, outlineRows: 30 },
  { stackFrames: 0, errorGroups: 5, criticalSteps: 10, repeated: 5, patternSpans: 1, outlineRows: 0 },
];

export function renderMarkdown(digest: TraceDigest, budgetTokens = DIGEST_TOKEN_BUDGET): string {
  const maxChars = budgetTokens * 4;
  for (const level of LEVELS) {
    const text = render(digest, level);
    if (text.length <= maxChars) return text;
  }
  const cut = render(digest, LEVELS[LEVELS.length - 1] as Detail);
  const note = `\n\n… (digest cut to fit ${budgetTokens.toLocaleString("en-US")} tokens; the whole trace: ${digest.url})\n`;
  return cut.slice(0, maxChars - note.length) + note;
}

const spanLink = (ref: DigestSpanRef) => `[${ref.spanId.slice(0, 8)}](${ref.url})`;
const fromMs = (n: number) => n * 1000;

function render(d: TraceDigest, level: Detail): string {
  const out: string[] = [];
  const s = d.summary;
  out.push(`# Trace ${d.traceId}: ${clip(s.rootService, 60)} ${clip(s.rootOperation, 100)}`);
  out.push("");
  out.push(
    `${ms(fromMs(s.durationMs))}, ${plural(s.spanCount, "span")}, ${plural(s.services.length + s.servicesOmitted, "service")}, ` +
      `${plural(s.errorSpanCount, "error span")}; started ${s.startTime}. Open in edgetrace: ${d.url}`,
  );
  const services = s.services.map((x) => `${x.name} (${x.spans}${x.errors ? `, ${x.errors} failed` : ""})`).join(", ");
  out.push(`Services (spans): ${services}${s.servicesOmitted ? `, and ${s.servicesOmitted} more` : ""}.`);
  if (s.orphanCount) out.push(`${plural(s.orphanCount, "span")} name a parent that is not in the trace (context lost, or spans still arriving).`);

  out.push("", "## Patterns");
  if (!d.patterns.length) out.push("None of retry storm, N+1 calls, fan-out, timeout cascade or one slow dependency found.");
  for (const p of d.patterns) {
    const ids = p.spanIds.slice(0, level.patternSpans).map((id) => `[${id.slice(0, 8)}](${d.url}?span=${id})`);
    out.push(`- **${p.title}** (${p.kind}). ${p.evidence}${ids.length ? ` Spans: ${ids.join(", ")}` : ""}`);
  }

  out.push("", `## Errors (${plural(s.errorSpanCount, "span")} failed)`);
  if (!d.errors.groups.length) out.push("No span failed.");
  for (const e of d.errors.groups.slice(0, level.errorGroups)) {
    const where = e.origin ? "origin" : "propagated";
    out.push(`- **${e.service}: ${e.operation}**${e.count > 1 ? ` ×${e.count}` : ""} (${where}): ${e.message} ${spanLink(e)}`);
    if (e.exception) {
      const head = [e.exception.type, e.exception.message].filter(Boolean).join(": ");
      if (head && head !== e.message) out.push(`  - exception: ${head}`);
      const frames = e.exception.stacktrace.filter((line) => line !== head && !line.startsWith(`${e.exception?.type}:`)).slice(0, level.stackFrames);
      for (const frame of frames) out.push(`  - \`${frame}\``);
    }
  }
  const errorsLeft = d.errors.groupsOmitted + Math.max(0, d.errors.groups.length - level.errorGroups);
  if (errorsLeft) out.push(`- … and ${plural(errorsLeft, "other kind")} of failure: see the trace.`);

  const path = d.criticalPath;
  out.push("", `## Critical path (${ms(fromMs(path.totalMs))})`);
  out.push("Time order; \"on path\" is what the span itself held the trace up, \"self\" its time outside child spans.");
  const steps = [...path.steps].sort((a, b) => b.onPathMs - a.onPathMs).slice(0, level.criticalSteps);
  const keep = new Set(steps);
  let leftMs = path.omittedMs;
  let leftSteps = path.stepsOmitted;
  for (const step of path.steps) {
    if (!keep.has(step)) {
      leftMs += step.onPathMs;
      leftSteps++;
      continue;
    }
    out.push(
      `- +${ms(fromMs(step.atMs))} ${step.service}: ${step.operation}${step.kind ? ` (${step.kind})` : ""}: on path ${ms(fromMs(step.onPathMs))}, ` +
        `self ${ms(fromMs(step.selfMs))}, duration ${ms(fromMs(step.durationMs))} ${spanLink(step)}`,
    );
  }
  if (leftSteps) out.push(`- … ${plural(leftSteps, "more step")} hold ${ms(fromMs(leftMs))} of the path.`);

  const repeated = d.repeated.calls.slice(0, level.repeated);
  if (repeated.length) {
    out.push("", "## Repeated calls");
    for (const r of repeated) {
      const under = r.parent ? ` under ${r.parent.service}: ${r.parent.operation}` : " as separate roots";
      const shape = r.maxConcurrency > 1 ? `up to ${r.maxConcurrency} at once` : "one after another";
      out.push(
        `- ${r.operation} (${r.service}) ×${r.count}, ${msRange(fromMs(r.minMs), fromMs(r.maxMs))}, ${ms(fromMs(r.totalMs))} in all, ${shape}` +
          `${r.errors ? `, ${r.errors} failed` : ""}${under}`,
      );
    }
    const left = d.repeated.omitted + d.repeated.calls.length - repeated.length;
    if (left) out.push(`- … and ${plural(left, "more group")}.`);
  }

  const rows = d.outline.rows.slice(0, level.outlineRows);
  if (rows.length) {
    out.push("", "## Outline", "Same-named siblings are folded into one row (×count, duration range) showing the slowest one's children.", "```");
    for (const r of rows) {
      const indent = "  ".repeat(Math.min(r.depth, 16));
      const time = r.count > 1 ? `×${r.count} ${msRange(fromMs(r.minMs), fromMs(r.durationMs))}` : ms(fromMs(r.durationMs));
      const failed = r.errors ? (r.count > 1 ? ` ✗${r.errors}` : " ✗") : "";
      out.push(`${indent}${r.service}: ${r.operation}${r.kind ? ` [${r.kind}]` : ""} ${time}${failed}`);
    }
    out.push("```");
    const hidden = d.outline.spansNotShown + d.outline.rows.slice(level.outlineRows).reduce((n, r) => n + r.count, 0);
    if (hidden) out.push(`${plural(hidden, "span")} not in the outline: open the trace for all of them.`);
  }

  if (d.warnings.length) {
    out.push("", "## Warnings");
    for (const w of d.warnings) out.push(`- ${w}`);
  }
  return `${out.join("\n")}\n`;
}
