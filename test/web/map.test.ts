/**
 * The service map and the trace view's Graph tab in real Chromium, over HotROD traffic sent with
 * the stock OTel SDK exporter: the map draws what GET /api/graph answers (shapes by node type,
 * messages dashed), shows numbers on hover and on focus, links a service to its Monitor and an
 * edge to its traces, keeps its range in the URL, and says so when there is nothing or when the
 * route fails. The trace tab draws one trace's calls by the same pairing.
 *
 *   frontend ──▶ customer ──▶ mysql (database)
 *      │ ├────▶ driver ───▶ redis (database)
 *      │ ├────▶ route, eta-planner ──▶ api.openai.com …
 *      └ ─ ─ ─▶ notification (a kafka message, consumed in a linked trace)
 */
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans, type HotrodRequest } from "../demo/traffic";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import type { JaegerTrace } from "../../worker/jaeger/v1-types";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");
const REQUESTS = 8;

interface GraphAnswer {
  nodes: Array<{ id: string; type: string; calls: number; errors: number; entries: number }>;
  edges: Array<{ parent: string; child: string; childType: string; async: boolean; calls: number; errors: number; p50: number; p95: number; p99: number }>;
}

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
let graph: GraphAnswer;
/** An ordinary dispatch that succeeded (so it sent its notification message). */
let request: HotrodRequest;
let dispatch: JaegerTrace;

const edgeOf = (parent: string, child: string) => graph.edges.find((e) => e.parent === parent && e.child === child);

async function apiGraph(): Promise<GraphAnswer> {
  const end = Date.now();
  const { status, body } = await getJson<GraphAnswer>(`${url}/api/graph?start=${end - 3_600_000}&end=${end}`, tenant.readKey);
  expect(status).toBe(200);
  return body;
}

const node = (page: Page, id: string) => page.locator(`[data-testid="graph-node"][data-node="${id}"]`);
const edge = (page: Page, parent: string, child: string) => page.locator(`[data-testid="graph-edge"][data-parent="${parent}"][data-child="${child}"]`);
const tooltip = (page: Page) => page.locator('[data-testid="graph-tooltip"]');
/** The hover card as label → value. */
async function tooltipFacts(page: Page): Promise<Record<string, string>> {
  await tooltip(page).waitFor();
  const rows = await tooltip(page).locator("dl > div").evaluateAll((divs) => divs.map((d) => [d.querySelector("dt")?.textContent ?? "", d.querySelector("dd")?.textContent ?? ""]));
  return Object.fromEntries(rows);
}
const drawnIds = (scope: Locator) => scope.locator('[data-testid="graph-node"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-node") ?? "").sort());

async function openMap(path = "/map") {
  await tab.page.goto(path);
  await tab.page.locator('[data-testid="graph-node"]').first().waitFor();
}

beforeAll(async () => {
  tenant = await signUp(url, "Map Rides");
  const { spans, summary } = collectHotrodSpans({ requests: REQUESTS, seed: 31 });
  const ok = summary.requests.find((r) => !r.failed && !r.slow && r.notificationTraceId);
  if (!ok) throw new Error("the seed made no ordinary dispatch with a notification");
  request = ok;
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
  // Shards count calls as they flush (TRACE_QUIET_SECONDS after the traces go quiet); the message
  // edge needs both the producer's and the consumer's trace flushed and paired.
  const deadline = Date.now() + 60_000;
  for (;;) {
    graph = await apiGraph();
    if (edgeOf("frontend", "customer") && edgeOf("customer", "mysql") && edgeOf("frontend", "notification")) break;
    if (Date.now() > deadline) throw new Error(`the graph never showed HotROD's calls: ${JSON.stringify(graph.edges.map((e) => `${e.parent}>${e.child}`))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  for (;;) {
    const { status, body } = await getJson<{ data: JaegerTrace[] }>(`${url}/api/traces/${request.traceId}`, tenant.readKey);
    const found = status === 200 ? body.data[0] : undefined;
    if (found && found.spans.length === request.spans) {
      dispatch = found;
      break;
    }
    if (Date.now() > deadline) throw new Error(`trace ${request.traceId} never had its ${request.spans} spans`);
    await new Promise((r) => setTimeout(r, 300));
  }
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  expect(tab?.errors ?? []).toEqual([]);
  await browser?.close();
});

describe("service map", () => {
  it("draws every node and edge the graph route answers, each kind of node in its own shape", async () => {
    const { page } = tab;
    await openMap();
    const nodes = graph.nodes.map((n) => n.id).sort();
    expect(nodes).toEqual(expect.arrayContaining(["customer", "driver", "frontend", "mysql", "notification", "redis", "route"]));
    // The graph may have grown since (more traces flushed): the page read it later than we did.
    expect(await drawnIds(page.locator("main"))).toEqual(expect.arrayContaining(nodes));
    expect(await page.locator('[data-testid="graph-edge"]').count()).toBeGreaterThanOrEqual(graph.edges.length);

    expect(await node(page, "frontend").getAttribute("data-type")).toBe("service");
    expect(await node(page, "mysql").getAttribute("data-type")).toBe("database");
    expect(await node(page, "redis").getAttribute("data-type")).toBe("database");
    // A cylinder has its rim drawn; a circle has none.
    expect(await node(page, "mysql").locator("path.detail").count()).toBe(1);
    expect(await node(page, "frontend").locator("path.detail").count()).toBe(0);

    expect(await edge(page, "frontend", "customer").getAttribute("data-async")).toBe("false");
    expect(await edge(page, "customer", "mysql").getAttribute("data-child-type")).toBe("database");
    expect(await edge(page, "frontend", "notification").getAttribute("data-async")).toBe("true");
    // Browser-side code as a string: the tests compile without the DOM library.
    const dashes = (parent: string, child: string) =>
      page.evaluate<string>(`getComputedStyle(document.querySelector('[data-testid="graph-edge"][data-parent="${parent}"][data-child="${child}"] path.line')).strokeDasharray`);
    expect(await dashes("frontend", "notification")).toMatch(/^\d/);
    expect(await dashes("frontend", "customer")).toBe("none");

    // The drawing fits the page: no scrolling to see it.
    const box = await page.locator('svg[data-testid="service-graph"]').boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(860);
    expect(box && box.x + box.width).toBeLessThanOrEqual(1280);
    await screenshot(page, "service-map");
  });

  it("shows a node's numbers on hover and an edge's on keyboard focus", async () => {
    const { page } = tab;
    await openMap();
    await node(page, "customer").hover();
    const customer = graph.nodes.find((n) => n.id === "customer");
    const nodeFacts = await tooltipFacts(page);
    expect(await tooltip(page).locator(".title").textContent()).toBe("customer");
    expect(Number(nodeFacts["Calls served"]?.replace(/,/g, ""))).toBeGreaterThanOrEqual(customer?.calls ?? 1);
    expect(nodeFacts).toHaveProperty("Rate");
    expect(nodeFacts).toHaveProperty("Errors");
    await page.mouse.move(2, 2);
    await expect.poll(() => tooltip(page).count()).toBe(0);

    await edge(page, "frontend", "customer").focus();
    expect(await tooltip(page).locator(".title").textContent()).toBe("frontend → customer");
    const facts = await tooltipFacts(page);
    expect(Object.keys(facts)).toEqual(["Calls", "Rate", "Errors", "p50", "p95", "p99"]);
    expect(facts.p95).toMatch(/\d(μs|ms|s)$/);
    // The focused edge names its numbers for a screen reader too, and points at the card.
    expect(await edge(page, "frontend", "customer").getAttribute("aria-label")).toMatch(/^frontend → customer, requests: Calls \d+/);
    expect(await edge(page, "frontend", "customer").getAttribute("aria-describedby")).toBe(await tooltip(page).getAttribute("id"));
    // Tab moves on, and the card follows; Escape dismisses it.
    await page.keyboard.press("Tab");
    await expect.poll(() => tooltip(page).locator(".title").textContent()).not.toBe("frontend → customer");
    await page.keyboard.press("Escape");
    await expect.poll(() => tooltip(page).count()).toBe(0);
  });

  it("opens a service's Monitor page from its node, over the same range", async () => {
    const { page } = tab;
    await openMap("/map?range=6h");
    await node(page, "customer").click();
    await page.waitForURL((u) => u.pathname === "/monitor/customer");
    expect(new URL(page.url()).searchParams.get("range")).toBe("6h");
  });

  it("leaves a database without a Monitor page: focusable for its numbers, not a link", async () => {
    const { page } = tab;
    await openMap();
    expect(await node(page, "mysql").evaluate((n) => n.tagName)).toBe("g");
    await node(page, "mysql").focus();
    expect(await tooltip(page).locator(".subtitle").textContent()).toBe("database");
    expect(await tooltipFacts(page)).toHaveProperty("Calls to it");
  });

  it("opens a search for the traces that show an edge's call", async () => {
    const { page } = tab;
    await openMap();
    await edge(page, "frontend", "customer").focus();
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.pathname === "/search");
    const params = new URL(page.url()).searchParams;
    expect(Object.fromEntries(params)).toEqual({ service: "customer", tags: "span.kind=server" });
    await page.locator('[data-settled="true"]').waitFor();
    const found = await page.locator("[data-trace-id]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-trace-id") ?? ""));
    expect(found).toContain(request.traceId);

    // An edge to a database searches the caller's outgoing calls instead.
    await openMap("/map?range=15m");
    await edge(page, "customer", "mysql").click();
    await page.waitForURL((u) => u.pathname === "/search");
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ service: "customer", tags: "span.kind=client", lookback: "15m" });
  });

  it("keeps the range in the URL, and back brings the last one back", async () => {
    const { page } = tab;
    await openMap();
    const current = () => page.locator('nav[aria-label="Time range"] [aria-current="true"]').textContent();
    expect(await current()).toBe("1h");
    await page.locator('nav[aria-label="Time range"] a', { hasText: "24h" }).click();
    await page.waitForURL((u) => u.searchParams.get("range") === "24h");
    await page.locator('[data-testid="graph-node"]').first().waitFor();
    expect(await current()).toBe("24h");
    expect(await page.locator('[data-testid="map-summary"]').textContent()).toContain("last 24 hours");
    await page.goBack();
    await page.waitForURL((u) => u.pathname === "/map" && !u.searchParams.has("range"));
    await expect.poll(current).toBe("1h");
  });

  it("shows it is loading, says what went wrong when the graph route fails, and tries again", async () => {
    const { page } = tab;
    const graphRoute = (u: URL) => u.pathname === "/api/graph";
    // Held until the loading state has been seen, then failed.
    let release = () => {};
    const held = new Promise<void>((done) => (release = done));
    await page.route(graphRoute, async (route) => {
      await held;
      await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "shards are napping" } }) });
    });
    await page.goto("/map");
    await page.locator('[data-testid="map-loading"]').waitFor();
    release();
    await page.locator('[data-testid="map-error"]').waitFor();
    expect(await page.locator('[data-testid="map-loading"]').count()).toBe(0);
    expect(await page.locator('[data-testid="map-error"]').textContent()).toContain("Could not load the service map");
    await page.unroute(graphRoute);
    await page.locator('[data-testid="map-error"] button').click();
    await page.locator('[data-testid="graph-node"]').first().waitFor();
  });

  it("tells a fresh account there are no calls yet, and where to start", async () => {
    const fresh = await signUp(url, "Quiet Rides");
    const other = await openTab(browser, url, { cookie: fresh.cookie });
    try {
      await other.page.goto("/map");
      const empty = other.page.locator('[data-testid="map-empty"]');
      await empty.waitFor();
      expect(await empty.locator("h2").textContent()).toBe("No calls in this range");
      expect(await empty.locator('a[href="/onboarding"]').textContent()).toBe("Setup");
      expect(await other.page.locator('[data-testid="graph-node"]').count()).toBe(0);
      await screenshot(other.page, "service-map-empty");
      expect(other.errors).toEqual([]);
    } finally {
      await other.context.close();
    }
  });
});

describe("trace Graph tab", () => {
  it("draws the trace's services and calls, and finds a service's spans from its node", async () => {
    const { page } = tab;
    await page.goto(`/trace/${request.traceId}`);
    await page.locator('[role="treeitem"]').first().waitFor();
    // The tab by its key, as the help lists it.
    await page.locator("body").press("4");
    const panel = page.locator('[data-testid="trace-graph"]');
    await panel.locator('[data-testid="graph-node"]').first().waitFor();
    expect(await page.locator('[role="tab"][aria-selected="true"]').textContent()).toBe("Graph");

    const services = [...new Set(Object.values(dispatch.processes).map((p) => p.serviceName))];
    const drawn = await drawnIds(panel);
    // Every service of the trace, what they called that nobody instruments, and the queue the
    // dispatch message went to (its consumer is in another trace).
    expect(drawn).toEqual(expect.arrayContaining([...services, "mysql", "redis", "kafka dispatch"]));
    expect(drawn).not.toContain("notification");
    expect(await node(page, "kafka dispatch").getAttribute("data-type")).toBe("queue");
    expect(await edge(page, "frontend", "kafka dispatch").getAttribute("data-async")).toBe("true");
    expect(await edge(page, "customer", "mysql").getAttribute("data-child-type")).toBe("database");

    // frontend → route: one call per route request the trace made, with their times.
    const routeCalls = dispatch.spans.filter((s) => s.operationName === "GET /route" && dispatch.processes[s.processID]?.serviceName === "frontend").length;
    expect(routeCalls).toBeGreaterThan(1);
    await edge(page, "frontend", "route").focus();
    const facts = await tooltipFacts(page);
    expect(facts.Calls).toBe(String(routeCalls));
    expect(Object.keys(facts)).toEqual(["Calls", "Errors", "Total", "Median", "Slowest"]);
    await screenshot(page, "trace-graph");

    await node(page, "customer").click();
    await expect.poll(() => page.locator('[role="tab"][aria-selected="true"]').textContent()).toBe("Timeline");
    expect(await page.locator('[data-testid="find-input"]').inputValue()).toBe("service=customer");
  });

  it("finds an edge's calls in the timeline from the keyboard", async () => {
    const { page } = tab;
    await page.locator("#tab-graph").click();
    await edge(page, "frontend", "route").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator('[data-testid="find-input"]').inputValue()).toBe("service=route kind=server");
    const routeServers = dispatch.spans.filter((s) => s.operationName === "GET /route" && dispatch.processes[s.processID]?.serviceName === "route").length;
    await expect.poll(() => page.locator('[data-testid="find-status"]').textContent()).toMatch(new RegExp(` of ${routeServers}$`));
  });
});
