/**
 * The Monitor pages in real Chromium over HotROD traffic sent with the stock OTel SDK: the
 * services overview, a service's three uPlot charts (drawn, hoverable, following the theme and
 * the window), its operations table (sorting, links to the search), the range and span-kind
 * pickers in the URL, and the loading, empty, unknown-service and error states. What the pages
 * show is checked against the metrics routes themselves.
 *
 * The traffic is 20–30 minutes old: inside the default hour, outside the last 15 minutes, so
 * one tenant has both a full range and an empty one.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans, HOTROD_SERVICES } from "../demo/traffic";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");
const REQUESTS = 12;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ALL_KINDS = "server,consumer,client,producer,internal";

interface Operation {
  name: string;
  kind: number;
  calls: number;
  rate: number;
  p95: number;
  impact: number;
}

interface ServiceMetrics {
  series: Array<{ t: number; calls: number }>;
  operations: Operation[];
}

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
let notifications: number;

/** The per-service route over the last hour, as the page asks it (kinds comma-separated, or the route's default). */
async function apiMetrics(service: string, kinds = ""): Promise<ServiceMetrics> {
  const end = Date.now();
  const spanKinds = kinds ? `&spanKind=${kinds}` : "";
  const { status, body } = await getJson<ServiceMetrics>(`${url}/api/services/${service}/metrics?start=${end - HOUR}&end=${end}${spanKinds}`, tenant.readKey);
  expect(status).toBe(200);
  return body;
}

const callsOf = (metrics: ServiceMetrics, operation: string) => metrics.operations.filter((op) => op.name === operation).reduce((n, op) => n + op.calls, 0);

/** The rows of a table: their key attribute, top to bottom. */
function rowKeys(page: Page, attribute: "data-service" | "data-operation"): Promise<string[]> {
  return page.locator(`tbody tr[${attribute}]`).evaluateAll((rows, name) => rows.map((row) => row.getAttribute(name) ?? ""), attribute);
}

/** A numeric column's values, top to bottom ("" for a cell without a value). */
function columnValues(page: Page, column: string): Promise<string[]> {
  return page.locator(`tbody td[data-column="${column}"]`).evaluateAll((cells) => cells.map((cell) => cell.getAttribute("data-value") ?? ""));
}

const isSorted = (values: number[], direction: "ascending" | "descending") =>
  values.every((v, i) => i === 0 || (direction === "ascending" ? (values[i - 1] as number) <= v : (values[i - 1] as number) >= v));

/** Waits for the three charts and hands back how many values each draws. */
async function chartValues(page: Page): Promise<Record<string, number>> {
  await page.locator('[data-testid="charts"] figure[data-chart] canvas').nth(2).waitFor();
  const figures = page.locator("figure[data-chart]");
  const entries = await figures.evaluateAll((list) => list.map((f) => [f.getAttribute("data-chart") ?? "", Number(f.getAttribute("data-values"))] as const));
  return Object.fromEntries(entries);
}

beforeAll(async () => {
  tenant = await signUp(url, "Monitor Rides");
  const now = Date.now() - 20 * MINUTE;
  const { spans, summary } = collectHotrodSpans({ requests: REQUESTS, seed: 23, now, spreadMs: 10 * MINUTE });
  notifications = summary.requests.filter((r) => r.notificationTraceId).length;
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
  // Counted once each trace has been quiet for TRACE_QUIET_SECONDS (1 s on the test server) and flushed.
  const deadline = Date.now() + 45_000;
  for (;;) {
    const [frontend, notification] = await Promise.all([apiMetrics("frontend"), apiMetrics("notification")]);
    if (callsOf(frontend, "GET /dispatch") === REQUESTS && notification.series.reduce((n, p) => n + p.calls, 0) >= notifications) break;
    if (Date.now() > deadline) throw new Error("the HotROD traffic never showed up in the metrics");
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  expect(tab.errors).toEqual([]);
});

describe("the services overview", () => {
  it("lists every HotROD service with its rate, error rate and p95, busiest first", async () => {
    const { page } = tab;
    await page.goto("/monitor");
    await page.locator('[data-testid="services-table"]').waitFor();
    const shown = await rowKeys(page, "data-service");
    expect(new Set(shown)).toEqual(new Set(HOTROD_SERVICES));
    const rates = (await columnValues(page, "rate")).map(Number);
    expect(isSorted(rates, "descending")).toBe(true);

    const frontend = page.locator('tr[data-service="frontend"]');
    // 12 requests answered in the hour, over the hour.
    expect(await frontend.locator('[data-column="rate"]').textContent()).toBe("12/h");
    const p95 = Number(await frontend.locator('[data-column="p95"]').getAttribute("data-value"));
    expect(p95).toBeGreaterThan(0);
    const dispatch = (await apiMetrics("frontend")).operations.find((op) => op.name === "GET /dispatch");
    // frontend answers nothing but /dispatch: the service's p95 is that operation's.
    expect(p95).toBeCloseTo(dispatch?.p95 ?? Number.NaN, 0);
    await screenshot(page, "monitor-overview");
  });

  it("sorts by any column and flips on a second click", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: "Service" }).click();
    expect(await rowKeys(page, "data-service")).toEqual([...HOTROD_SERVICES].sort((a, b) => a.localeCompare(b)));
    expect(await page.locator("th", { has: page.getByRole("button", { name: "Service" }) }).getAttribute("aria-sort")).toBe("ascending");
    await page.getByRole("button", { name: "p95 latency" }).click();
    const slowest = (await columnValues(page, "p95")).filter(Boolean).map(Number);
    expect(slowest.length).toBeGreaterThan(3);
    expect(isSorted(slowest, "descending")).toBe(true);
    await page.getByRole("button", { name: "p95 latency" }).click();
    expect(isSorted((await columnValues(page, "p95")).filter(Boolean).map(Number), "ascending")).toBe(true);
  });

  it("opens a service over the same range", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Last 6 hours" }).click();
    await page.waitForURL(/\/monitor\?range=6h$/);
    await page.locator('[data-testid="services-table"]').waitFor();
    await page.locator('tr[data-service="frontend"] a').click();
    await page.waitForURL(/\/monitor\/frontend\?range=6h$/);
    expect((await chartValues(page)).rate).toBeGreaterThan(0);
  });
});

describe("a service's page", () => {
  it("draws request rate, error rate and latency as three uPlot charts", async () => {
    const { page } = tab;
    await page.goto("/monitor/frontend");
    const values = await chartValues(page);
    expect(Object.keys(values).sort()).toEqual(["errors", "latency", "rate"]);
    // A point a step with calls; a latency chart has three lines.
    expect(values.rate).toBeGreaterThan(0);
    expect(values.errors).toBeGreaterThan(0);
    expect(values.latency).toBe((values.errors ?? 0) * 3);
    expect(await page.locator("figure[data-chart] canvas").count()).toBe(3);
    expect(await page.locator('figure[data-chart="rate"] figcaption').textContent()).toContain(`${REQUESTS} calls`);
    await screenshot(page, "monitor-frontend");
  });

  it("shows the values of the step under the pointer", async () => {
    const { page } = tab;
    const chart = page.locator('figure[data-chart="rate"]');
    // Its middle: every step has a rate, zero or not.
    await chart.locator(".u-over").hover();
    await expect.poll(() => chart.locator(".u-legend .u-series").nth(1).locator(".u-value").textContent()).toMatch(/\/(s|min|h) \(\d+ calls?\)$/);
    expect(await chart.locator(".u-legend .u-series").nth(0).locator(".u-value").textContent()).toMatch(/, \d\d:\d\d$/);
  });

  it("draws again in the other theme's colours", async () => {
    const { page } = tab;
    // What the canvas shows, as a data URL (a string: the tests compile without the DOM library).
    const pixels = () => page.evaluate<string>(`document.querySelector('figure[data-chart="latency"] canvas').toDataURL()`);
    const before = await pixels();
    await page.getByRole("button", { name: "Dark theme" }).click();
    await expect.poll(pixels).not.toBe(before);
    await page.getByRole("button", { name: "Dark theme" }).click();
    await expect.poll(pixels).toBe(before);
    // Back to following the system, for the screenshots of later tests.
    await page.evaluate("localStorage.clear()");
    await page.reload();
    await chartValues(page);
  });

  it("follows the window's width", async () => {
    const { page } = tab;
    // The chart's canvas and the box it sits in, in CSS pixels.
    const widths = () =>
      page.locator('figure[data-chart="rate"]').evaluate((figure) => {
        const canvas = figure.querySelector("canvas");
        const box = figure.querySelector(".plot");
        return { canvas: Math.round(canvas?.getBoundingClientRect().width ?? 0), box: Math.round(box?.getBoundingClientRect().width ?? 0) };
      });
    const wide = await widths();
    expect(wide.canvas).toBe(wide.box);
    // One chart a row below about 760 px: each chart gets wider, then narrower again.
    await page.setViewportSize({ width: 700, height: 860 });
    await expect.poll(async () => (await widths()).canvas).not.toBe(wide.canvas);
    const narrow = await widths();
    expect(narrow.canvas).toBe(narrow.box);
    expect(narrow.canvas).toBeLessThan(700);
    await page.setViewportSize({ width: 1280, height: 860 });
    await expect.poll(async () => (await widths()).canvas).toBe(wide.canvas);
  });

  it("lists its operations, most impact first, sortable by any column", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: "All", exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get("kinds") === ALL_KINDS);
    const expected = await apiMetrics("frontend", ALL_KINDS);
    const wanted = [...new Set(expected.operations.map((op) => op.name))].sort();
    await expect.poll(async () => [...new Set(await rowKeys(page, "data-operation"))].sort()).toEqual(wanted);
    const names = await rowKeys(page, "data-operation");
    for (const name of ["GET /dispatch", "GET /customer", "driver.DriverService/FindNearest", "send dispatch"]) expect(names).toContain(name);
    expect(isSorted((await columnValues(page, "impact")).map(Number), "descending")).toBe(true);

    await page.getByRole("button", { name: "p99" }).click();
    expect(isSorted((await columnValues(page, "p99")).map(Number), "descending")).toBe(true);
    await page.getByRole("button", { name: "p99" }).click();
    expect(isSorted((await columnValues(page, "p99")).map(Number), "ascending")).toBe(true);
    await page.getByRole("button", { name: "Operation" }).click();
    expect(await rowKeys(page, "data-operation")).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    await screenshot(page, "monitor-frontend-all-kinds");
  });

  it("counts only the span kinds switched on", async () => {
    const { page } = tab;
    // Back to the default (server and consumer): frontend answers only /dispatch.
    await page.getByRole("button", { name: "All", exact: true }).click();
    await page.waitForURL((u) => !u.searchParams.has("kinds"));
    await expect.poll(() => rowKeys(page, "data-operation")).toEqual(["GET /dispatch"]);
    expect(await page.getByRole("button", { name: "Server" }).getAttribute("aria-pressed")).toBe("true");
    await page.getByRole("button", { name: "Producer" }).click();
    await page.waitForURL((u) => u.searchParams.get("kinds") === "server,consumer,producer");
    await expect.poll(() => rowKeys(page, "data-operation")).toEqual(["GET /dispatch", "send dispatch"]);
  });

  it("links each operation to the search for it over the same range", async () => {
    const { page } = tab;
    await page.goto("/monitor/frontend?range=6h");
    await page.locator('tr[data-operation="GET /dispatch"] a').click();
    await page.waitForURL((u) => u.pathname === "/search");
    const params = new URL(page.url()).searchParams;
    expect(Object.fromEntries(params)).toEqual({ service: "frontend", operation: "GET /dispatch", lookback: "6h" });
    await page.locator('[data-settled="true"]').waitFor();
    expect(await page.locator("[data-trace-id]").count()).toBe(REQUESTS);
  });

  it("keeps the range in the URL and asks again for it", async () => {
    const { page } = tab;
    await page.goto("/monitor/frontend");
    await chartValues(page);
    const asked = page.waitForRequest((r) => r.url().includes("/api/services/frontend/metrics"));
    await page.getByRole("link", { name: "Last 15 minutes" }).click();
    await page.waitForURL(/range=15m/);
    const query = new URL((await asked).url()).searchParams;
    expect(Number(query.get("end")) - Number(query.get("start"))).toBe(15 * MINUTE);
    // The traffic is older than 15 minutes.
    await page.locator('[data-testid="service-empty"]').waitFor();
    expect(await page.locator('[data-testid="service-empty"]').textContent()).toContain("No spans for this service in this range");
    expect(await page.getByRole("link", { name: "Last 15 minutes" }).getAttribute("aria-current")).toBe("true");

    await page.reload();
    await page.locator('[data-testid="service-empty"]').waitFor();
    await page.getByRole("link", { name: "Show the last hour" }).click();
    await page.waitForURL((u) => u.pathname === "/monitor/frontend" && !u.search.includes("range="));
    expect((await chartValues(page)).rate).toBeGreaterThan(0);
    await page.goBack();
    await page.waitForURL(/range=15m/);
    await page.locator('[data-testid="service-empty"]').waitFor();
  });

  it("shows a failure with a way to try again", async () => {
    const { page } = tab;
    await page.route("**/api/services/frontend/metrics**", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "shards are busy" } }) }),
    );
    await page.goto("/monitor/frontend");
    const alert = page.locator('[data-testid="service-error"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("shards are busy");
    await page.unroute("**/api/services/frontend/metrics**");
    await alert.getByRole("button", { name: "Try again" }).click();
    expect((await chartValues(page)).rate).toBeGreaterThan(0);
  });

  it("shows its loading state while the metrics are on their way", async () => {
    const { page } = tab;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/services/frontend/metrics**", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto("/monitor/frontend");
    await page.locator('[data-testid="service-loading"]').waitFor();
    release();
    expect((await chartValues(page)).rate).toBeGreaterThan(0);
    await page.unroute("**/api/services/frontend/metrics**");
  });
});

describe("a new organization", () => {
  it("has no services yet, and no page for a service it does not have", async () => {
    const fresh = await signUp(url, "Monitor Empty");
    const other = await openTab(browser, url, { cookie: fresh.cookie });
    try {
      await other.page.goto("/monitor");
      await other.page.locator('[data-testid="monitor-empty"]').waitFor();
      expect(await other.page.getByRole("link", { name: "Send your first traces" }).getAttribute("href")).toBe("/onboarding");
      await screenshot(other.page, "monitor-empty");
      await other.page.goto("/monitor/frontend");
      await other.page.locator('[data-testid="unknown-service"]').waitFor();
      expect(await other.page.locator('[data-testid="unknown-service"] h2').textContent()).toBe("No service called “frontend”");
      expect(other.errors).toEqual([]);
    } finally {
      await other.context.close();
    }
  });
});
