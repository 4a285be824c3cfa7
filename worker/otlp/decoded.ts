/**
 * What both OTLP decoders produce: the valid spans of a request in one batch, and an account of
 * the spans they had to drop, for OTLP's partial-success answer.
 */
import { BatchBuilder } from "../model/batch";
import type { Resource, Scope, Span, SpanBatch } from "../model/span";
import { spanProblem } from "./validate";

/** A request body that cannot be decoded at all: answered 400 with this message. */
export class UndecodableBody extends Error {}

export interface DecodedRequest {
  batch: SpanBatch;
  rejectedSpans: number;
  /** Empty when nothing was rejected; else a summary naming the first few problems. */
  errorMessage: string;
}

const MAX_LISTED_PROBLEMS = 5;

/** Collects decoded spans, keeping the valid ones and counting the rest. */
export class DecodedSpans {
  private readonly builder = new BatchBuilder();
  private rejected = 0;
  private readonly problems = new Map<string, number>();

  resource(resource: Resource): number {
    return this.builder.resource(resource);
  }

  scope(scope: Scope): number {
    return this.builder.scope(scope);
  }

  /** Keeps `span` if it is valid; otherwise records why it was dropped. */
  offer(span: Span): void {
    const problem = spanProblem(span);
    if (problem) this.reject(problem);
    else this.builder.batch.spans.push(span);
  }

  /** Drops a span that could not even be read into a Span (e.g. a JSON field of the wrong type). */
  reject(problem: string): void {
    this.rejected++;
    this.problems.set(problem, (this.problems.get(problem) ?? 0) + 1);
  }

  result(): DecodedRequest {
    const listed = [...this.problems].slice(0, MAX_LISTED_PROBLEMS).map(([p, n]) => (n > 1 ? `${p} (${n} spans)` : p));
    const more = this.problems.size > MAX_LISTED_PROBLEMS ? `; and ${this.problems.size - MAX_LISTED_PROBLEMS} more problems` : "";
    return {
      batch: this.builder.batch,
      rejectedSpans: this.rejected,
      errorMessage: this.rejected ? `${this.rejected} spans rejected: ${listed.join("; ")}${more}` : "",
    };
  }
}
