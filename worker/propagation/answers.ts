/**
 * The broken-propagation routes' answers (worker/routes/propagation.ts), in one place for the
 * Worker, the web app and an MCP tool that returns the same shapes.
 */
import type { Finding } from "./detect";

/** `GET /api/broken-traces` */
export interface BrokenTraces {
  /** The window, ms since the epoch. */
  start: number;
  end: number;
  /** Newest first, at most `limit`. */
  findings: Finding[];
  /** Broken traces per suspect service over the whole window (before `service` and `limit`). */
  services: Array<{ service: string; broken: number }>;
  /** Findings left out by `limit`. */
  more: number;
}

/** `GET /api/traces/{id}/propagation`: the findings that concern one trace (none for a healthy one). */
export interface TracePropagation {
  traceId: string;
  findings: Finding[];
}
