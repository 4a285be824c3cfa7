/**
 * Broken traces per suspect service, as a services table shows them: how many, and the newest one
 * to open (when the answer's page of findings holds one of that service).
 */
import type { BrokenTraces } from "$propagation/answers";

export interface BrokenCount {
  broken: number;
  /** The newest finding's trace naming this service, if on the page. */
  latest: string | null;
}

export function brokenByService(answer: BrokenTraces): Map<string, BrokenCount> {
  const counts = new Map<string, BrokenCount>();
  for (const { service, broken } of answer.services) counts.set(service, { broken, latest: null });
  // Findings come newest first: the first of a service is its latest.
  for (const finding of answer.findings) {
    const count = counts.get(finding.suspect);
    if (count && count.latest === null) count.latest = finding.traceId;
  }
  return counts;
}
