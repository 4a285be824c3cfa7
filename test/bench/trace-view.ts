/**
 * Trace view benchmark: a 10,000-span trace in headless Chromium.
 *
 *   node test/bench/trace-view.ts        (Node ≥ 22: `npx node …` or `npm run bench:web` on a Node 20 machine)
 *
 * Builds the web app, starts the real product (`wrangler dev`), ingests one synthetic deep + wide
 * trace of 10,000 spans over OTLP/JSON (ten 1,000-span requests, as a batching exporter would),
 * waits until its shard has written it to storage (as a trace opened from search has been), then
 * opens it in Chromium and measures, over a few runs:
 *
 * - time to interactive, from navigation start: the first timeline rows are in the DOM *and* a
 *   key press (`j`, move down) has been handled and painted — so "rows showing but the main thread
 *   still busy" does not count as interactive. Target ≤ 1.5 s.
 * - the same for the upload route (the trace's Jaeger JSON picked as a file), which leaves the
 *   network and the Worker out: what the browser side alone costs.
 * - scroll frame times: with every span expanded (10,000 rows), a scripted scroll moves the
 *   timeline a few rows per frame, then in big jumps; requestAnimationFrame timestamps give the
 *   frame intervals (p50/p95/max) and how many frames missed 60 Hz.
 *
 * Env: BENCH_RUNS (default 3), BENCH_SPANS (10000), BENCH_NO_BUILD=1 to reuse web/build.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startServer, type RunningServer } from "../support/server.ts";
import { signUp } from "../support/tenant.ts";
import { waitForRest } from "./api.ts";
import { syntheticJaeger, syntheticOtlp, SYNTHETIC_TRACE_ID } from "../../web/src/lib/trace/model/testing/synthetic.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SPANS = Number(process.env.BENCH_SPANS ?? 10_000);
const TARGET_MS = 1_500;
const root = resolve(import.meta.dirname, "../..");

let server: RunningServer | undefined;
let browser: Browser | undefined;
process.on("exit", () => {
  if (server) {
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch {
      // Already stopped.
    }
  }
});

/** What the predicates run in the page read (the bench compiles without the DOM's types). */
interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
}

/** Installed before any page script: notes when the first rows appear, then presses `j` and notes when that shows. */
const PROBE = `(() => {
  const marks = (window.__bench = { rows: 0, interactive: 0 });
  const observer = new MutationObserver(() => {
    if (marks.rows || !document.querySelector('[role="treeitem"]')) return;
    marks.rows = performance.now();
    observer.disconnect();
    const before = document.querySelector('[role="treeitem"][aria-selected="true"]')?.id;
    // The key goes in on the next frame: if the main thread is still busy, that frame is late.
    requestAnimationFrame(() => {
      document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
      const check = () => {
        const now = document.querySelector('[role="treeitem"][aria-selected="true"]')?.id;
        if (now && now !== before) requestAnimationFrame(() => (marks.interactive = performance.now()));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
  });
  observer.observe(document, { childList: true, subtree: true });
})()`;

interface OpenTiming {
  rows: number;
  interactive: number;
  /** The page's own `trace:*` User Timing marks and the API request's timing, ms from navigation. */
  phases: Record<string, number>;
}

// Browser-side code goes in as strings: the tests and benchmarks compile without the DOM library.
const READ_TIMING = `(() => {
  const { rows, interactive } = window.__bench;
  const phases = {};
  for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("trace:")) phases[m.name.slice(6)] = m.startTime;
  const api = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/traces/"));
  if (api) Object.assign(phases, { "request sent": api.requestStart || api.startTime, "response started": api.responseStart, "response ended": api.responseEnd });
  return { rows, interactive, phases };
})()`;

async function openTrace(page: Page, go: () => Promise<unknown>): Promise<OpenTiming> {
  await go();
  // Predicates as functions, not strings: a string is eval'd in the page, which its CSP forbids.
  await page.waitForFunction(() => (globalThis as unknown as { __bench: { interactive: number } }).__bench.interactive > 0, null, { timeout: 60_000 });
  return page.evaluate<OpenTiming>(READ_TIMING);
}

/**
 * Scripted scroll over the expanded timeline; rAF intervals in ms. `px` per frame: 84 (3 rows,
 * ≈ 5,000 px/s, a wheel or trackpad), 560 (20 rows, ≈ 34,000 px/s, a fling) or 2,000 (every row
 * replaced each frame, like dragging the scrollbar).
 */
async function scrollFrames(page: Page, px: number, count: number): Promise<number[]> {
  return page.evaluate<number[]>(`new Promise((done) => {
    const viewport = document.querySelector('[data-testid="timeline"]');
    viewport.scrollTop = 0;
    const intervals = [];
    let last = 0;
    let i = 0;
    const frame = (t) => {
      if (last) intervals.push(t - last);
      last = t;
      if (i++ >= ${count}) return done(intervals);
      viewport.scrollTop += ${px};
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })`);
}

const SCROLLS = [
  { name: "wheel, 3 rows/frame", px: 84, frames: 240 },
  { name: "fling, 20 rows/frame", px: 560, frames: 120 },
  { name: "scrollbar drag, 70 rows/frame", px: 2_000, frames: 60 },
] as const;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const median = (values: number[]) => percentile(values, 50);
const ms = (n: number) => `${Math.round(n)} ms`;

async function main() {
  if (!process.env.BENCH_NO_BUILD || !existsSync(join(root, "web/build/index.html"))) {
    console.log("building the web app…");
    const build = spawnSync(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: root, stdio: "inherit" });
    if (build.status !== 0) throw new Error("web build failed");
  }

  // The trace is written to its block as soon as it is complete (no 30 s wait for a fuller one), and
  // the runs wait for that: each reads it as a stored trace is read, none competes with its flush.
  server = await startServer({ vars: { TRACE_QUIET_SECONDS: "1", TRACE_BLOCK_WAIT_SECONDS: "0", AUTH_ATTEMPTS_PER_IP_PER_MINUTE: "100000" } });
  const tenant = await signUp(server.url);

  // Ingest in 1,000-span requests, one service's spans at a time, as SDK batches arrive.
  const otlp = syntheticOtlp({ spans: SPANS, seed: 7 });
  const requests: string[] = [];
  for (const resourceSpans of otlp.resourceSpans) {
    const spans = resourceSpans.scopeSpans[0]?.spans ?? [];
    for (let i = 0; i < spans.length; i += 1_000) {
      requests.push(JSON.stringify({ resourceSpans: [{ resource: resourceSpans.resource, scopeSpans: [{ scope: resourceSpans.scopeSpans[0]?.scope, spans: spans.slice(i, i + 1_000) }] }] }));
    }
  }
  const ingestStarted = performance.now();
  for (const body of requests) {
    const response = await fetch(`${server.url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey }, body });
    if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  }
  let bytes = 0;
  for (let tries = 0; ; tries++) {
    const response = await fetch(`${server.url}/api/traces/${SYNTHETIC_TRACE_ID}`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
    const text = await response.text();
    if (response.ok && (JSON.parse(text) as { data: { spans: unknown[] }[] }).data[0]?.spans.length === SPANS) {
      bytes = text.length;
      break;
    }
    if (tries > 120) throw new Error(`trace not readable with ${SPANS} spans: ${response.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const readable = performance.now() - ingestStarted;
  await waitForRest(server.url, tenant, { compacted: false });
  // What the app itself asks for (trace-api.ts): the same trace in our compact form.
  const compact = await fetch(`${server.url}/api/traces/${SYNTHETIC_TRACE_ID}?format=compact`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
  const compactBytes = (await compact.text()).length;
  console.log(`trace: ${SPANS.toLocaleString()} spans in ${requests.length} OTLP/JSON requests, ingested and readable in ${ms(readable)}; API answer ${(bytes / 1e6).toFixed(1)} MB of Jaeger JSON, ${(compactBytes / 1e6).toFixed(1)} MB in the app's compact form\n`);

  const fileDir = mkdtempSync(join(tmpdir(), "edgetrace-bench-"));
  const file = join(fileDir, "trace.json");
  writeFileSync(file, JSON.stringify({ data: [syntheticJaeger({ spans: SPANS, seed: 7 })] }));

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const [name, value] = tenant.cookie.split("=");
  await context.addCookies([{ name: name ?? "", value: value ?? "", url: server.url }]);
  await context.addInitScript(PROBE);

  const api: OpenTiming[] = [];
  const upload: OpenTiming[] = [];
  const frames: number[][] = SCROLLS.map(() => []);
  /** Main-thread busy time per frame (Chrome's TaskDuration): what the page costs, whatever else the machine does. */
  const busy: number[][] = SCROLLS.map(() => []);
  for (let run = 0; run < RUNS + 1; run++) {
    // Run 0 warms the HTTP cache and the Worker; it is not counted.
    const page = await context.newPage();
    const opened = await openTrace(page, () => page.goto(`${server?.url}/trace/${SYNTHETIC_TRACE_ID}`));
    if (run > 0) api.push(opened);
    if (run > 0) {
      await page.keyboard.press("e"); // expand all: 10,000 rows
      await page.waitForFunction(
        (count) => (globalThis as unknown as PageGlobals).document.querySelector(".ruler-name .count")?.textContent?.startsWith(count) ?? false,
        SPANS.toLocaleString(),
        { timeout: 10_000 },
      );
      await page.waitForTimeout(300);
      const cdp = await context.newCDPSession(page);
      await cdp.send("Performance.enable");
      const taskSeconds = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")?.value ?? 0;
      for (const [i, scroll] of SCROLLS.entries()) {
        const before = await taskSeconds();
        frames[i]?.push(...(await scrollFrames(page, scroll.px, scroll.frames)));
        busy[i]?.push(((await taskSeconds()) - before) * 1000 / scroll.frames);
      }
    }
    await page.close();

    const uploadPage = await context.newPage();
    await uploadPage.goto(`${server?.url}/trace/upload`);
    await uploadPage.waitForSelector('[data-testid="trace-file-input"]', { state: "attached" });
    const started = await uploadPage.evaluate(() => performance.now());
    const timing = await openTrace(uploadPage, () => uploadPage.setInputFiles('[data-testid="trace-file-input"]', file));
    if (run > 0) upload.push({ rows: timing.rows - started, interactive: timing.interactive - started, phases: {} });
    await uploadPage.close();
  }
  rmSync(fileDir, { recursive: true, force: true });

  const tti = median(api.map((t) => t.interactive));
  console.log(`open /trace/{id} (fetch 10k spans + render), median of ${RUNS}:`);
  console.log(`  first rows            ${ms(median(api.map((t) => t.rows)))}`);
  console.log(`  time to interactive   ${ms(tti)}   (runs: ${api.map((t) => ms(t.interactive)).join(", ")}; target ≤ ${ms(TARGET_MS)} ${tti <= TARGET_MS ? "✓" : "✗"})`);
  const phaseNames = ["request sent", "response started", "response ended", "downloaded", "parsed", "normalized", "mounted"];
  console.log(`  where the time goes (median ms from navigation): ${phaseNames.map((p) => `${p} ${Math.round(median(api.map((t) => t.phases[p] ?? NaN)))}`).join(" → ")} → rows ${Math.round(median(api.map((t) => t.rows)))}`);
  console.log(`open a 10k-span file on /trace/upload (browser only), median of ${RUNS}:`);
  console.log(`  first rows            ${ms(median(upload.map((t) => t.rows)))}`);
  console.log(`  time to interactive   ${ms(median(upload.map((t) => t.interactive)))}`);
  console.log(`scroll, 10,000 rows expanded — requestAnimationFrame intervals (60 Hz = 16.7 ms):`);
  SCROLLS.forEach((scroll, i) => {
    const f = frames[i] ?? [];
    const slow = f.filter((x) => x > 1000 / 60 + 4).length;
    console.log(`  ${scroll.name.padEnd(31)} p50 ${percentile(f, 50).toFixed(1)} ms, p95 ${percentile(f, 95).toFixed(1)} ms, max ${Math.max(...f).toFixed(1)} ms; ${((slow / f.length) * 100).toFixed(1)}% of ${f.length} frames over 20.7 ms; main thread busy ${median(busy[i] ?? []).toFixed(1)} ms/frame`);
  });
}

try {
  await main();
} finally {
  await browser?.close();
  await server?.stop();
}
