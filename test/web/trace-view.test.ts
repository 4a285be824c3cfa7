/**
 * The trace view in real Chromium, over HotROD traces sent with the stock OTel SDK exporter: open a
 * trace, expand and collapse, open a span's details, find in the trace, see the critical path,
 * statistics and flamegraph, download and upload JSON, and compare two traces. What the page shows
 * is checked against the query API's own answer for the same trace.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans, type HotrodRequest } from "../demo/traffic";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import type { JaegerTrace } from "../../worker/jaeger/v1-types";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
/** Two ordinary dispatch traces (same shape, different timings) and the slow one. */
let first: HotrodRequest;
let second: HotrodRequest;
let traces: Map<string, JaegerTrace>;

async function apiTrace(traceId: string): Promise<JaegerTrace | null> {
  const { status, body } = await getJson<{ data: JaegerTrace[] }>(`${url}/api/traces/${traceId}`, tenant.readKey);
  return status === 200 ? (body.data[0] ?? null) : null;
}

const spansOf = (trace: JaegerTrace, operation: string) => trace.spans.filter((s) => s.operationName === operation);

/** Distinct ancestors of some spans in the API's trace, by CHILD_OF references. */
function ancestors(trace: JaegerTrace, spanIds: string[]): Set<string> {
  const parentOf = new Map(trace.spans.map((s) => [s.spanID, s.references.find((r) => r.refType === "CHILD_OF")?.spanID]));
  const out = new Set<string>();
  for (const id of spanIds) for (let p = parentOf.get(id); p; p = parentOf.get(p)) out.add(p);
  return out;
}

/** Spans below `spanId` in the API's trace, by CHILD_OF references. */
function descendants(trace: JaegerTrace, spanId: string): number {
  const children = trace.spans.filter((s) => s.references.some((r) => r.refType === "CHILD_OF" && r.spanID === spanId));
  return children.reduce((n, child) => n + 1 + descendants(trace, child.spanID), 0);
}
const trace = (request: HotrodRequest) => traces.get(request.traceId) as JaegerTrace;

/** Rows the virtualised timeline has in the DOM. */
const rowsInDom = (page: Page) => page.locator('[role="treeitem"]').count();
const row = (page: Page, spanId: string) => page.locator(`[role="treeitem"][data-span-id="${spanId}"]`);
const selectedSpanId = (page: Page) => page.locator('[role="treeitem"][aria-selected="true"]').getAttribute("data-span-id");
/** "N of M rows" above the name column. */
const rowCount = async (page: Page) => Number(((await page.locator(".ruler-name .count").textContent()) ?? "").split(" of ")[0]?.replace(/,/g, ""));

async function openTrace(traceId: string) {
  await tab.page.goto(`/trace/${traceId}`);
  await tab.page.locator('[data-testid="trace-view"]').waitFor();
  await tab.page.locator('[role="treeitem"]').first().waitFor();
}

beforeAll(async () => {
  tenant = await signUp(url, "Trace View Rides");
  const { spans, summary } = collectHotrodSpans({ requests: 6, seed: 23 });
  const ok = summary.requests.filter((r) => !r.failed && !r.slow);
  [first, second] = ok as [HotrodRequest, HotrodRequest];
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
  // Readable with every span once the trace has been quiet for TRACE_QUIET_SECONDS (1 s here).
  traces = new Map();
  const deadline = Date.now() + 30_000;
  for (const request of [first, second]) {
    for (;;) {
      const found = await apiTrace(request.traceId);
      if (found && found.spans.length === request.spans) {
        traces.set(request.traceId, found);
        break;
      }
      if (Date.now() > deadline) throw new Error(`trace ${request.traceId} never had its ${request.spans} spans`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  expect(tab?.errors ?? []).toEqual([]);
  await browser?.close();
});

describe("trace view", () => {
  it("opens a trace with its root, numbers and a row per span", async () => {
    const { page } = tab;
    await openTrace(first.traceId);
    const api = trace(first);
    await expect.poll(() => page.locator("h1").textContent()).toBe("GET /dispatch");
    expect(await page.locator('[data-testid="span-count"]').textContent()).toBe(String(api.spans.length));
    expect(await rowCount(page)).toBe(api.spans.length);
    // The root row is selected and shows the root span.
    const root = api.spans.find((s) => s.references.length === 0);
    expect(await selectedSpanId(page)).toBe(root?.spanID);
    expect(await page.title()).toBe("frontend: GET /dispatch · edgetrace");
    await screenshot(page, "trace-view");
  });

  it("collapses and expands a subtree by mouse and by keyboard", async () => {
    const { page } = tab;
    const api = trace(first);
    const driverCall = spansOf(api, "driver.DriverService/FindNearest").find((s) => api.processes[s.processID]?.serviceName === "frontend");
    if (!driverCall) throw new Error("no FindNearest client span");
    const below = descendants(api, driverCall.spanID);
    expect(below).toBeGreaterThan(3);
    const before = await rowCount(page);

    await row(page, driverCall.spanID).locator("button.toggle").click();
    await expect.poll(() => row(page, driverCall.spanID).getAttribute("aria-expanded")).toBe("false");
    // The client span's server span and all its redis calls are hidden, and the row says how many.
    expect(await rowCount(page)).toBe(before - below);
    expect(await row(page, driverCall.spanID).locator(".hidden").textContent()).toBe(`+${below}`);

    // Space toggles the selected span back open.
    await page.keyboard.press("Space");
    await expect.poll(() => rowCount(page)).toBe(before);

    // c collapses everything to the root, e expands it all again.
    await page.keyboard.press("c");
    await expect.poll(() => rowCount(page)).toBe(1);
    await page.keyboard.press("e");
    await expect.poll(() => rowCount(page)).toBe(before);
  });

  it("keeps only the visible rows in the DOM", async () => {
    // 46 spans fit on a tall screen; the point is that rows are windowed, so check the bound.
    expect(await rowsInDom(tab.page)).toBeLessThanOrEqual(trace(first).spans.length);
    expect(await rowsInDom(tab.page)).toBeGreaterThan(10);
  });

  it("opens a span's details: attributes, resource, scope, status and links", async () => {
    const { page } = tab;
    const api = trace(first);
    const select = spansOf(api, "SELECT customer")[0];
    if (!select) throw new Error("no SELECT customer span");
    await row(page, select.spanID).click();
    const detail = page.locator('[data-testid="span-detail"]');
    await detail.waitFor();
    expect(await detail.locator("h2").textContent()).toBe("SELECT customer");
    const attributes = detail.locator('table[aria-label="Span attributes"]');
    for (const tag of select.tags.filter((t) => t.key.startsWith("db."))) {
      await expect.poll(() => attributes.locator("tr", { has: page.locator(`th:text-is("${tag.key}")`) }).locator("td").textContent()).toBe(String(tag.value));
    }
    // Resource and scope sections open on click and hold the process tags and the scope name.
    await detail.locator("summary", { hasText: "Resource" }).click();
    const hostName = api.processes[select.processID]?.tags.find((t) => t.key === "host.name");
    expect(await detail.locator('table[aria-label="Resource attributes"]').textContent()).toContain(String(hostName?.value));
    await detail.locator("summary", { hasText: "Instrumentation scope" }).click();
    const scope = select.tags.find((t) => t.key === "otel.scope.name");
    expect(await detail.locator('table[aria-label="Instrumentation scope"]').textContent()).toContain(String(scope?.value));
    // The parent link selects the parent span.
    await detail.locator("dt", { hasText: "Parent" }).locator("xpath=..").locator("button").click();
    expect(await selectedSpanId(page)).toBe(select.references[0]?.spanID);
    // Esc closes the panel.
    await page.keyboard.press("Escape");
    await expect.poll(() => detail.count()).toBe(0);
  });

  it("finds spans, steps through the matches and can show only them", async () => {
    const { page } = tab;
    const api = trace(first);
    const getDrivers = spansOf(api, "GetDriver");
    await page.keyboard.press("/");
    const input = page.locator('[data-testid="find-input"]');
    await expect.poll(() => page.evaluate('document.activeElement?.getAttribute("data-testid")')).toBe("find-input");
    await input.fill("operation=GetDriver");
    const status = page.locator('[data-testid="find-status"]');
    await expect.poll(() => status.textContent()).toMatch(new RegExp(`^\\s*1 of ${getDrivers.length}\\s*$`));
    const firstMatch = await selectedSpanId(page);
    expect(getDrivers.map((s) => s.spanID)).toContain(firstMatch);
    await page.keyboard.press("Enter");
    await expect.poll(() => status.textContent()).toMatch(new RegExp(`^\\s*2 of ${getDrivers.length}\\s*$`));
    expect(await selectedSpanId(page)).not.toBe(firstMatch);
    // Matches are highlighted rows.
    expect(await page.locator('[role="treeitem"].match').count()).toBe(getDrivers.length);

    // Only matches: the GetDriver spans and their ancestors (driver server span, frontend client span, root).
    await page.locator("label.only input").check();
    await expect.poll(() => rowCount(page)).toBe(getDrivers.length + ancestors(api, getDrivers.map((s) => s.spanID)).size);
    await page.locator("label.only input").uncheck();

    // Plain text matches attributes too; key=value one tag; -term excludes.
    const redisNotGetDriver = api.spans.filter((s) => s.tags.some((t) => t.key === "db.system" && t.value === "redis") && s.operationName !== "GetDriver");
    await input.fill("db.system=redis -operation=GetDriver");
    // (Which match is current depends on where the selection was: it moves to the next match.)
    await expect.poll(() => status.textContent()).toMatch(new RegExp(`^\\s*\\d+ of ${redisNotGetDriver.length}\\s*$`));
    await input.fill("no-such-span-anywhere");
    await expect.poll(() => status.textContent()).toMatch(/No matches/);
    await input.press("Escape");
    await expect.poll(() => input.inputValue()).toBe("");
  });

  it("highlights the critical path on the bars and can turn it off", async () => {
    const { page } = tab;
    // The root always starts the path; the slowest leaf of a sequential trace is on it too.
    const criticalRows = page.locator('[role="treeitem"].critical');
    expect(await criticalRows.count()).toBeGreaterThan(1);
    expect(await page.locator('[role="treeitem"] .cp').count()).toBeGreaterThan(1);
    await row(page, (await criticalRows.nth(1).getAttribute("data-span-id")) ?? "").click();
    await expect.poll(() => page.locator('[data-testid="span-detail"] .chip.critical').textContent()).toMatch(/^Critical path /);
    await page.keyboard.press("Escape");
    await page.keyboard.press("p");
    await expect.poll(() => page.locator('[role="treeitem"] .cp').count()).toBe(0);
    await page.keyboard.press("p");
    await expect.poll(() => page.locator('[role="treeitem"] .cp').count()).toBeGreaterThan(1);
  });

  it("shows self time by operation and a flamegraph", async () => {
    const { page } = tab;
    const api = trace(first);
    await page.keyboard.press("2");
    const stats = page.locator('[data-testid="trace-statistics"]');
    await stats.waitFor();
    const getDriverRow = stats.locator("tbody tr", { has: page.locator('td.op:text-is("GetDriver")') });
    expect(await getDriverRow.locator("td.num").first().textContent()).toBe(String(spansOf(api, "GetDriver").length));
    await page.keyboard.press("3");
    const flame = page.locator('[data-testid="flamegraph"]');
    await flame.waitFor();
    expect(await flame.locator("button.frame").first().getAttribute("aria-label")).toMatch(/^frontend GET \/dispatch: 1 spans, /);
    await page.keyboard.press("1");
    await page.locator('[data-testid="timeline"]').waitFor();
  });

  it("lists the keyboard shortcuts on ?", async () => {
    const { page } = tab;
    await page.keyboard.press("?");
    const dialog = page.locator("dialog[open]");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Collapse all");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it("downloads the trace as Jaeger and OTLP JSON", async () => {
    const { page } = tab;
    const api = trace(first);
    const download = async (testId: string) => {
      await page.locator("summary", { hasText: "Download" }).click();
      const [file] = await Promise.all([page.waitForEvent("download"), page.locator(`[data-testid="${testId}"]`).click()]);
      const path = await file.path();
      const { readFileSync } = await import("node:fs");
      return { name: file.suggestedFilename(), json: JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown> };
    };
    const jaeger = await download("download-jaeger");
    expect(jaeger.name).toBe(`trace-${api.traceID}-jaeger.json`);
    expect((jaeger.json.data as JaegerTrace[])[0]).toEqual(api);
    const otlp = await download("download-otlp");
    expect(otlp.name).toBe(`trace-${api.traceID}-otlp.json`);
    const resourceSpans = otlp.json.resourceSpans as { scopeSpans: { spans: unknown[] }[] }[];
    expect(resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))).toHaveLength(api.spans.length);
  });

  it("views an uploaded Jaeger or OTLP file", async () => {
    const { page } = tab;
    const api = trace(second);
    await page.goto("/trace/upload");
    const input = page.locator('[data-testid="trace-file-input"]');
    await input.setInputFiles({ name: "second.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify({ data: [api] })) });
    await page.locator('[data-testid="trace-view"]').waitFor();
    expect(await page.locator('[data-testid="span-count"]').textContent()).toBe(String(api.spans.length));
    await page.locator("button", { hasText: "Open another file" }).click();

    await input.setInputFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from('{"hello":"world"}') });
    await expect.poll(() => page.locator('[data-testid="upload-error"]').textContent()).toMatch(/not a trace file we know/);
  });

  it("compares two traces: matched, changed, added and missing spans", async () => {
    const { page } = tab;
    const a = trace(first);
    const b = trace(second);
    await page.goto(`/compare?a=${first.traceId}&b=${second.traceId}`);
    const view = page.locator('[data-testid="compare-view"]');
    await view.waitFor();
    await page.locator('[data-testid="diff-filter-all"]').click();
    // Every span of either trace appears once: matched pairs share a row.
    const rows = view.locator('[role="row"][data-status]');
    await expect.poll(() => rows.count()).toBeGreaterThan(10);
    const counts = async (status: string) => Number(((await page.locator(`[data-testid="diff-filter-${status}"] .n`).textContent()) ?? "0").replace(/,/g, ""));
    const all = await counts("all");
    const statuses = await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-status")));
    expect(statuses.length).toBe(Math.min(all, statuses.length));
    const added = statuses.filter((s) => s === "added").length;
    const missing = statuses.filter((s) => s === "missing").length;
    const matched = statuses.length - added - missing;
    // Rows in the DOM are windowed; on this screen every row fits, so the arithmetic must close.
    if (statuses.length === all) {
      expect(matched + missing).toBe(a.spans.length);
      expect(matched + added).toBe(b.spans.length);
    }
    await screenshot(page, "trace-compare");
  });
});
