/**
 * `npm run demo` — sends HotROD-like traffic (see ./traffic.ts) to an edgetrace server through the
 * real OpenTelemetry JS SDK: one TracerProvider + BatchSpanProcessor + OTLP/HTTP exporter per
 * service, exactly as six instrumented services would.
 *
 *   npm start                                  # the server, in another terminal
 *   npm run demo                               # signs up a demo account, sends 20 requests
 *   npm run demo -- --requests 200 --gzip      # more traffic, gzip-compressed protobuf
 *   npm run demo -- --json                     # OTLP/HTTP JSON instead of protobuf
 *   EDGETRACE_URL=https://… EDGETRACE_API_KEY=et_… npm run demo   # an existing account's ingest key
 *
 * Exits 1 when the server is unreachable, sign-up fails, or any export failed or had spans rejected.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { HOTROD_SERVICES, createHotrodProviders, hotrodTraffic, summarize } from "./traffic.ts";
import type { HotrodRequest, HotrodService } from "./traffic.ts";

const USAGE = `Usage: npm run demo -- [options]

Sends HotROD-like traces (frontend, customer, driver, route, eta-planner, notification) to edgetrace.

Options:
  -n, --requests N     /dispatch requests to simulate (default 20; each is a trace of ~50 spans,
                       plus a linked notification trace)
      --seed N         PRNG seed: the same seed gives the same traffic (default: random)
      --spread MIN     spread request start times over the last MIN minutes (default 5)
      --json           export OTLP/HTTP JSON (default: protobuf)
      --gzip           gzip request bodies
      --url URL        server base URL (default $EDGETRACE_URL or http://127.0.0.1:8787)
      --no-verify      do not read a trace back at the end
  -h, --help

Environment: EDGETRACE_URL, EDGETRACE_API_KEY (an ingest key: skips sign-up),
EDGETRACE_READ_KEY (a read key for the printed curl commands), DEMO_REQUESTS, DEMO_SEED.`;

interface ExportFailure {
  service: HotrodService;
  spans: number;
  code: number;
  error: string;
}

interface ExportStats {
  batches: number;
  spans: number;
  failures: ExportFailure[];
}

interface ExportResultLike {
  code: number;
  error?: Error;
}

/** Wraps a service's exporter to count what it exported and keep every failed result. */
class ReportingExporter implements SpanExporter {
  readonly inner: SpanExporter;
  readonly service: HotrodService;
  readonly stats: ExportStats;
  constructor(inner: SpanExporter, service: HotrodService, stats: ExportStats) {
    this.inner = inner;
    this.service = service;
    this.stats = stats;
  }
  export(spans: ReadableSpan[], done: (result: ExportResultLike) => void): void {
    this.inner.export(spans, (result: ExportResultLike) => {
      // ExportResultCode.SUCCESS is 0.
      if (result.code === 0) {
        this.stats.batches++;
        this.stats.spans += spans.length;
      } else {
        this.stats.failures.push({ service: this.service, spans: spans.length, code: result.code, error: describeError(result.error) });
      }
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The message of an error body: OTLP answers errors with a google.rpc.Status in the request's
 * encoding — JSON `{"message": …}` or protobuf (field 2, the message) — which the exporter hands
 * over as a string.
 */
function responseMessage(data: string): string {
  try {
    const json = JSON.parse(data) as { message?: string; error?: { message?: string } };
    const message = json.message ?? json.error?.message;
    if (message) return message;
  } catch {
    // Not JSON: try protobuf.
  }
  const bytes = Buffer.from(data, "utf8");
  let i = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; i < bytes.length && shift < 35; shift += 7) {
      const b = bytes[i++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    return value;
  };
  while (i < bytes.length) {
    const tag = varint();
    if ((tag & 7) === 0) varint();
    else if ((tag & 7) === 2) {
      const length = varint();
      if (tag >> 3 === 2) return bytes.subarray(i, i + length).toString("utf8");
      i += length;
    } else break;
  }
  return data.replace(/[\u0000-\u001f\u007f-\u009f]/g, "");
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error ?? "unknown error");
  const { code, data } = error as Error & { code?: number; data?: string };
  let text = error.message || error.name;
  if (code !== undefined && !text.includes(String(code))) text += ` (HTTP ${code})`;
  if (data) text += `: ${responseMessage(String(data)).slice(0, 300)}`;
  if (code === 401 || code === 403) text += " — EDGETRACE_API_KEY must be a valid key with the ingest scope";
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) text += ` — ${(cause as Error & { code?: string }).code ?? cause.message}`;
  return text;
}

/** OTel SDK diagnostics (partial success, retries) collected to report at the end. */
const diagnostics: string[] = [];
let rejectedSpans = 0;
diag.setLogger(
  {
    error: (message, ...args) => diagnostics.push(`error: ${message} ${args.map(String).join(" ")}`.trim()),
    warn: (message, ...args) => {
      if (message.startsWith("Received Partial Success response")) {
        try {
          const partial = JSON.parse(String(args[0])) as { rejectedSpans?: string | number };
          rejectedSpans += Number(partial.rejectedSpans ?? 0);
        } catch {
          // Reported verbatim below.
        }
      }
      diagnostics.push(`warn: ${message} ${args.map(String).join(" ")}`.trim());
    },
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
);

function fail(message: string): never {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) return `${response.status}: ${body.error.message}`;
  } catch {
    // Not JSON.
  }
  return `${response.status}${text ? `: ${text.slice(0, 300)}` : ""}`;
}

async function checkReachable(base: string): Promise<void> {
  try {
    const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) console.warn(`! ${base}/healthz answered ${response.status}; is this an edgetrace server? Continuing.`);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    fail(
      `Cannot reach edgetrace at ${base} (${cause}).\n` +
        `  Start the server first with \`npm start\` (in another terminal), then run \`npm run demo\` again —\n` +
        `  or point the demo at a running server with EDGETRACE_URL=<base url>.`,
    );
  }
}

interface Account {
  ingestKey: string;
  readKey?: string;
  signedUp: boolean;
}

async function signUp(base: string): Promise<Account> {
  const email = `demo+${Date.now()}@edgetrace.dev`;
  const password = randomBytes(15).toString("base64url"); // 20 characters
  const response = await fetch(`${base}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, organization: "HotROD demo" }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 201) fail(`Sign-up failed (POST ${base}/api/signup → ${await errorText(response)})`);
  const body = (await response.json()) as { tenant?: { id: string; name: string }; apiKey?: { key?: string; scopes?: string[] } };
  const ingestKey = body.apiKey?.key;
  if (!ingestKey) fail(`Sign-up answered 201 without apiKey.key: ${JSON.stringify(body).slice(0, 300)}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter(Boolean)
    .join("; ");

  console.log("Signed up a demo account:");
  console.log(`  organization  HotROD demo (tenant ${body.tenant?.id ?? "?"})`);
  console.log(`  email         ${email}`);
  console.log(`  password      ${password}`);
  console.log(`  ingest key    ${ingestKey}   (scopes: ${(body.apiKey?.scopes ?? ["ingest"]).join(", ")})`);
  console.log(`  Log in to the UI at ${base}/ with this email and password.`);

  let readKey: string | undefined;
  if (cookie) {
    // The sign-up key is ingest-only; the session from sign-up may create a read key.
    const created = await fetch(`${base}/api/keys`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, origin: base },
      body: JSON.stringify({ name: "demo read", scopes: ["read"] }),
      signal: AbortSignal.timeout(10_000),
    });
    if (created.status === 201) {
      const key = (await created.json()) as { key?: string; apiKey?: { key?: string } };
      readKey = key.key ?? key.apiKey?.key;
    } else {
      console.warn(`! Could not create a read key (POST /api/keys → ${await errorText(created)}).`);
    }
  } else {
    console.warn("! Sign-up set no session cookie, so the demo cannot create a read key.");
  }
  if (readKey) console.log(`  read key      ${readKey}   (scopes: read, created with the sign-up session)`);
  console.log("");
  return { ingestKey, ...(readKey ? { readKey } : {}), signedUp: true };
}

function integer(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

async function readBack(base: string, readKey: string, request: HotrodRequest): Promise<void> {
  const url = `${base}/api/traces/${request.traceId}`;
  const deadline = Date.now() + 30_000;
  let last = "";
  while (Date.now() < deadline) {
    const response = await fetch(url, { headers: { "x-api-key": readKey }, signal: AbortSignal.timeout(10_000) }).catch(
      (error: Error) => error,
    );
    if (response instanceof Error) last = response.message;
    else if (response.ok) {
      const body = (await response.json()) as { data?: { spans?: unknown[] }[] };
      const spans = body.data?.[0]?.spans?.length ?? 0;
      if (spans >= request.spans) {
        console.log(`✔ Read trace ${request.traceId} back: ${spans} spans, as sent.`);
        return;
      }
      last = `${spans} of ${request.spans} spans so far`;
    } else last = await errorText(response);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  console.warn(`! Could not read trace ${request.traceId} back within 30 s (last answer: ${last}).`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", short: "n" },
      seed: { type: "string" },
      spread: { type: "string" },
      json: { type: "boolean", default: false },
      gzip: { type: "boolean", default: false },
      url: { type: "string" },
      "no-verify": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const base = (values.url ?? process.env.EDGETRACE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  const requests = integer(values.requests ?? process.env.DEMO_REQUESTS, "--requests", 1) ?? 20;
  const seed = integer(values.seed ?? process.env.DEMO_SEED, "--seed", 0) ?? Math.floor(Math.random() * 2 ** 31);
  const spreadMinutes = Number(values.spread ?? 5);
  if (!(spreadMinutes > 0)) fail(`--spread must be a positive number of minutes, got "${values.spread}"`);
  const encoding = values.json ? "JSON" : "protobuf";

  await checkReachable(base);
  const envKey = process.env.EDGETRACE_API_KEY?.trim();
  const envReadKey = process.env.EDGETRACE_READ_KEY?.trim();
  const account: Account = envKey
    ? { ingestKey: envKey, ...(envReadKey ? { readKey: envReadKey } : {}), signedUp: false }
    : await signUp(base);

  const stats: ExportStats = { batches: 0, spans: 0, failures: [] };
  const exporterConfig = {
    url: `${base}/v1/traces`,
    headers: { "x-api-key": account.ingestKey },
    compression: (values.gzip ? "gzip" : "none") as NonNullable<ConstructorParameters<typeof ProtobufTraceExporter>[0]>["compression"],
    timeoutMillis: 15_000,
  };
  const providers = createHotrodProviders({
    seed,
    processorsFor: (service) => [
      new BatchSpanProcessor({
        exporter: new ReportingExporter(
          values.json ? new JsonTraceExporter(exporterConfig) : new ProtobufTraceExporter(exporterConfig),
          service,
          stats,
        ),
        maxExportBatchSize: 512,
        maxQueueSize: 8192,
        scheduledDelayMillis: 500,
      }),
    ],
  });
  const flush = async () => {
    // Failures are recorded by ReportingExporter; the rejection only repeats them.
    await providers.forceFlush().catch(() => {});
  };

  console.log(
    `Sending ${requests} HotROD requests (seed ${seed}) as OTLP/HTTP ${encoding}${values.gzip ? " + gzip" : ""} to ${base}/v1/traces …`,
  );
  const started = performance.now();
  const sent: HotrodRequest[] = [];
  for (const request of hotrodTraffic({ providers, requests, seed, now: Date.now(), spreadMs: spreadMinutes * 60_000 })) {
    sent.push(request);
    // The generator is synchronous: hand each ~25 requests to the exporters before queues fill.
    if (sent.length % 25 === 0) await flush();
  }
  await flush();
  await providers.shutdown().catch(() => {});
  const seconds = (performance.now() - started) / 1000;
  const summary = summarize(sent);
  const failedSpans = stats.failures.reduce((n, f) => n + f.spans, 0);

  console.log(
    `\nGenerated ${summary.traces} traces (${sent.length} dispatch + ${summary.traces - sent.length} notification), ` +
      `${summary.spans} spans from ${HOTROD_SERVICES.length} services (${HOTROD_SERVICES.join(", ")}).`,
  );
  console.log(
    `Exported ${stats.spans} spans in ${stats.batches} requests in ${seconds.toFixed(1)} s` +
      (stats.failures.length ? `; ${stats.failures.length} exports (${failedSpans} spans) FAILED.` : "."),
  );
  for (const f of stats.failures.slice(0, 10)) {
    console.error(`  ✖ ${f.service}: ${f.spans} spans, result code ${f.code} (FAILED): ${f.error}`);
  }
  if (stats.failures.length > 10) console.error(`  … and ${stats.failures.length - 10} more failed exports`);
  if (rejectedSpans > 0) console.error(`  ✖ the server accepted the requests but rejected ${rejectedSpans} of their spans (OTLP partial success)`);
  const shown = [...new Set(diagnostics)];
  for (const d of shown.slice(0, 5)) console.warn(`  OTel SDK ${d.slice(0, 400)}`);

  // A few traces worth opening, each a different one.
  const interesting: [string, string][] = [];
  const chosen = new Set<string>();
  const pick = (predicate: (r: HotrodRequest) => boolean, label: (r: HotrodRequest) => string) => {
    const r = sent.find((x) => !chosen.has(x.traceId) && predicate(x));
    if (!r) return undefined;
    chosen.add(r.traceId);
    interesting.push([label(r), r.traceId]);
    return r;
  };
  const typical = pick(
    (r) => !r.failed && !r.slow && !r.hasErrors,
    (r) => `GET /dispatch for customer ${r.customerId}: ${r.durationMs.toFixed(0)} ms, ${r.spans} spans`,
  );
  const slow = pick((r) => r.slow && !r.failed, (r) => `slow: customer 1234's mysql query waited for a lock (${r.durationMs.toFixed(0)} ms)`);
  pick((r) => r.failed, (r) => `failed: mysql deadlock → HTTP 500 (${r.spans} spans)`);
  pick((r) => r.hasErrors && !r.failed, () => "redis timeouts, retried: error spans in a successful request");
  pick((r) => r.usedEtaPlanner, () => "eta-planner AI agent: gen_ai.* spans (invoke_agent, chat, execute_tool)");
  pick((r) => r.traceState !== undefined, (r) => `trace state "${r.traceState}"`);
  const notified = sent.find((r) => r.notificationTraceId);
  if (notified?.notificationTraceId) {
    interesting.push([`notification: CONSUMER span linked to the producer in ${notified.traceId.slice(0, 8)}…`, notified.notificationTraceId]);
  }

  if (stats.spans === 0) {
    console.error("\n✖ No span was exported: see the export failures above.");
    process.exit(1);
  }

  console.log("\nSome traces:");
  for (const [label, id] of interesting) console.log(`  ${id}  ${label}`);

  console.log("\nRead them back (Jaeger API):");
  const keyForCurl = account.readKey ?? "$EDGETRACE_READ_KEY";
  for (const [, id] of interesting.slice(0, 3)) {
    console.log(`  curl -s -H 'x-api-key: ${keyForCurl}' ${base}/api/traces/${id}`);
  }
  if (!account.readKey) {
    console.log(
      account.signedUp
        ? "  The sign-up key is ingest-only: log in to the UI and create a read key (or POST /api/keys\n" +
            '  {"name":"demo read","scopes":["read"]} with the session cookie), then export EDGETRACE_READ_KEY.'
        : "  Set EDGETRACE_READ_KEY to a key with the read scope (an ingest-only key gets 403), or log in to the UI.",
    );
  }
  if (account.signedUp) console.log(`  or log in to the UI at ${base}/ with the email and password above.`);

  if (account.readKey && !values["no-verify"] && stats.failures.length === 0) {
    const probe = slow ?? typical ?? sent.find((r) => !r.failed) ?? sent[0];
    if (probe) {
      console.log("");
      await readBack(base, account.readKey, probe);
    }
  }

  if (stats.failures.length > 0 || rejectedSpans > 0) {
    console.error(`\n✖ Some spans did not make it: see the export failures above.`);
    process.exit(1);
  }
}

await main();
