/**
 * Which service called which, from a trace's spans: the edges of the service dependency graph.
 * One definition for the whole product — trace shards aggregate it as traces complete, and the web
 * app draws one trace's graph with it.
 *
 * Pairing (as Tempo's metrics generator pairs spans, plus what the OTel conventions say):
 * - a SERVER or CONSUMER span whose parent is a CLIENT or PRODUCER span: one call, from the
 *   parent's service to the child's, timed by the caller (what it waited); a PRODUCER or CONSUMER
 *   side makes it asynchronous;
 * - a CONSUMER span linked to a PRODUCER span (a message that started a new trace): an
 *   asynchronous call too, if the producer is among the spans given;
 * - a SERVER span whose parent is another service's non-CLIENT span: a call from that service;
 * - a SERVER (or CONSUMER) span with no parent: an entry point of its service;
 * - a CLIENT or PRODUCER span nobody answered (an uninstrumented dependency): a call to a virtual
 *   node named from `peer.service`, else `db.system` (+ `db.namespace`/`db.name`), else
 *   `messaging.system` (+ destination), else `server.address` — typed database, queue or remote.
 *   One with none of those is left out: there is nothing to name its callee by.
 *
 * A message may be read long after it was sent, by a trace stored elsewhere: a caller can ask to
 * `hold` the message spans whose other side is missing (a PRODUCER nobody consumed yet, a CONSUMER
 * whose producer is not among the spans) instead of settling them now; they come back `unpaired`,
 * to be offered again with later spans (durable-objects/shard/call-pairing.ts).
 */
import { SpanKind } from "./span";

/** What pairing needs of a span. */
export interface GraphSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  service: string;
  name: string;
  kind: SpanKind;
  startUs: number;
  durationUs: number;
  error: boolean;
  /** What a CLIENT or PRODUCER span says it called (OTel semantic conventions); absent otherwise. */
  peer?: PeerAttributes;
  /** Spans this span links to. */
  links?: Array<{ traceId: string; spanId: string }>;
}

export interface PeerAttributes {
  service?: string;
  dbSystem?: string;
  /** `db.namespace` (or the older `db.name`). */
  dbName?: string;
  messagingSystem?: string;
  /** `messaging.destination.name` (or the older `messaging.destination`). */
  destination?: string;
  /** `server.address` (or the older `net.peer.name`). */
  serverAddress?: string;
}

/** The attribute keys peers are named from, and the field of PeerAttributes each fills. */
export const PEER_KEYS: ReadonlyArray<readonly [string, keyof PeerAttributes]> = [
  ["peer.service", "service"],
  ["db.system.name", "dbSystem"],
  ["db.system", "dbSystem"],
  ["db.namespace", "dbName"],
  ["db.name", "dbName"],
  ["messaging.system", "messagingSystem"],
  ["messaging.destination.name", "destination"],
  ["messaging.destination", "destination"],
  ["server.address", "serverAddress"],
  ["net.peer.name", "serverAddress"],
];

export type NodeType = "service" | "database" | "queue" | "remote";

/** One call from a service to another (or to a virtual node). */
export interface GraphCall {
  parent: string;
  child: string;
  childType: NodeType;
  async: boolean;
  error: boolean;
  /** How long the caller waited (the callee's span when there is no caller span). */
  durationUs: number;
  startUs: number;
}

export interface ServiceCalls {
  calls: GraphCall[];
  /** Services' root SERVER/CONSUMER spans: requests from outside. */
  entries: Array<{ service: string; startUs: number }>;
  /** Message spans the caller chose to hold, their other side still missing. */
  unpaired: GraphSpan[];
}

const isCaller = (kind: SpanKind) => kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER;
const isCallee = (kind: SpanKind) => kind === SpanKind.SERVER || kind === SpanKind.CONSUMER;

/**
 * The calls between services that these spans show (of one trace or of several). `hold` says,
 * for a message span whose other side is missing, whether to hold it rather than settle it now.
 */
export function serviceCalls(spans: readonly GraphSpan[], hold: (span: GraphSpan) => boolean = () => false): ServiceCalls {
  const byId = new Map<string, GraphSpan>();
  for (const span of spans) byId.set(`${span.traceId}/${span.spanId}`, span);
  const answered = new Set<GraphSpan>();
  const calls: GraphCall[] = [];
  const entries: ServiceCalls["entries"] = [];
  const unpaired: GraphSpan[] = [];

  for (const span of spans) {
    if (!isCallee(span.kind)) continue;
    const parent = span.parentSpanId ? byId.get(`${span.traceId}/${span.parentSpanId}`) : undefined;
    if (parent && isCaller(parent.kind)) {
      answered.add(parent);
      calls.push({
        parent: parent.service,
        child: span.service,
        childType: "service",
        async: parent.kind === SpanKind.PRODUCER || span.kind === SpanKind.CONSUMER,
        error: parent.error || span.error,
        durationUs: parent.durationUs,
        startUs: parent.startUs,
      });
      continue;
    }
    if (parent && parent.service !== span.service) {
      calls.push({ parent: parent.service, child: span.service, childType: "service", async: span.kind === SpanKind.CONSUMER, error: span.error, durationUs: span.durationUs, startUs: span.startUs });
      continue;
    }
    if (parent) continue;
    // No parent among these spans: a message's consumer may name its producer by a link.
    const producer = span.kind === SpanKind.CONSUMER ? (span.links ?? []).map((l) => byId.get(`${l.traceId}/${l.spanId}`)).find((s) => s?.kind === SpanKind.PRODUCER) : undefined;
    if (producer) {
      answered.add(producer);
      calls.push({ parent: producer.service, child: span.service, childType: "service", async: true, error: producer.error || span.error, durationUs: span.durationUs, startUs: span.startUs });
    } else if (span.kind === SpanKind.CONSUMER && (span.parentSpanId || span.links?.length) && hold(span)) {
      unpaired.push(span);
    } else if (!span.parentSpanId) {
      entries.push({ service: span.service, startUs: span.startUs });
    }
  }

  for (const span of spans) {
    if (!isCaller(span.kind) || answered.has(span)) continue;
    if (span.kind === SpanKind.PRODUCER && hold(span)) {
      unpaired.push(span);
      continue;
    }
    const peer = virtualPeer(span.peer);
    if (!peer) continue;
    calls.push({ parent: span.service, child: peer.name, childType: peer.type, async: span.kind === SpanKind.PRODUCER, error: span.error, durationUs: span.durationUs, startUs: span.startUs });
  }
  return { calls, entries, unpaired };
}

/** The node an unanswered call went to, named from what its span says, or null. */
export function virtualPeer(peer: PeerAttributes | undefined): { name: string; type: NodeType } | null {
  if (!peer) return null;
  if (peer.service) return { name: peer.service, type: peer.dbSystem ? "database" : peer.messagingSystem ? "queue" : "remote" };
  if (peer.dbSystem) return { name: peer.dbName ? `${peer.dbSystem} ${peer.dbName}` : peer.dbSystem, type: "database" };
  if (peer.messagingSystem) return { name: peer.destination ? `${peer.messagingSystem} ${peer.destination}` : peer.messagingSystem, type: "queue" };
  if (peer.serverAddress) return { name: peer.serverAddress, type: "remote" };
  return null;
}
