/**
 * Trace search in real Chromium over HotROD traffic sent with the stock OTel SDK: results, the
 * scatter plot, sorting, URL state (reload, back, share), the tag filter, compare selection, and
 * the empty and error states. What the page shows is checked against the query API itself.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans, type HotrodRequest } from "../demo/traffic";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import { focusedId, launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");
const REQUESTS = 8;

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
let requests: HotrodRequest[];

interface JaegerList {
  data: Array<{ traceID: string }>;
}

/** The trace ids the query API returns for a search, in the API's order. */
async function apiSearch(query: string): Promise<string[]> {
  const { status, body } = await getJson<JaegerList>(`${url}/api/traces?${query}`, tenant.readKey);
  expect(status).toBe(200);
  return body.data.map((t) => t.traceID);
}

/** The trace ids the result list shows, top to bottom, once they answer the search in the URL. */
async function shownIds(): Promise<string[]> {
  const { page } = tab;
  await page.locator('[data-settled="true"]').waitFor();
  return page.locator("[data-trace-id]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-trace-id") ?? ""));
}

beforeAll(async () => {
  tenant = await signUp(url, "Search Rides");
  const { spans, summary } = collectHotrodSpans({ requests: REQUESTS, seed: 11, spreadMs: 10 * 60_000 });
  requests = summary.requests;
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
  // Searchable once each trace has been quiet for TRACE_QUIET_SECONDS (1 s on the test server).
  const deadline = Date.now() + 30_000;
  while ((await apiSearch("service=frontend&lookback=1h&limit=100")).length < REQUESTS) {
    if (Date.now() > deadline) throw new Error(`the ${REQUESTS} HotROD traces never became searchable`);
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  await browser?.close();
});

describe("trace search", () => {
  it("lists what the query API finds, newest first, with a point per trace", async () => {
    const { page } = tab;
    await page.goto("/search?service=frontend");
    const shown = await shownIds();
    const byStart = [...requests].sort((a, b) => b.startMs - a.startMs).map((r) => r.traceId);
    expect(shown).toEqual(byStart);
    expect(await page.locator(".scatter circle").count()).toBe(REQUESTS);
    const first = page.locator(`[data-trace-id="${byStart[0]}"]`);
    expect(await first.locator(".root").textContent()).toBe("frontend: GET /dispatch");
    const pills = await first.locator(".pill").allTextContents();
    expect(pills.some((p) => p.startsWith("frontend"))).toBe(true);
    expect(pills.some((p) => p.startsWith("driver"))).toBe(true);
    await screenshot(page, "search-hotrod");
  });

  it("sorts by duration and span count, keeping the sort in the URL across a reload", async () => {
    const { page } = tab;
    await page.getByLabel("Sort").selectOption("longest");
    await page.waitForURL(/sort=longest/);
    const longest = [...requests].sort((a, b) => b.durationMs - a.durationMs).map((r) => r.traceId);
    expect(await shownIds()).toEqual(longest);
    await page.reload();
    expect(await shownIds()).toEqual(longest);
    await page.getByLabel("Sort").selectOption("spans");
    await page.waitForURL(/sort=spans/);
    const counts = await page.locator("[data-trace-id]").evaluateAll((rows) => rows.map((row) => Number.parseInt(row.querySelector(".meta .badge")?.textContent ?? "", 10)));
    expect(counts).toHaveLength(REQUESTS);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
  });

  it("searches by tag (logfmt), puts it in the URL, and goes back to the previous search", async () => {
    const { page } = tab;
    await page.getByLabel("Tags").fill("error=true");
    await page.getByRole("button", { name: "Find traces" }).click();
    await page.waitForURL(/tags=error%3Dtrue/);
    const expected = await apiSearch(`service=frontend&tags=${encodeURIComponent('{"error":"true"}')}&lookback=1h&limit=20`);
    expect(new Set(await shownIds())).toEqual(new Set(expected));

    // A shared link opens the same search.
    const shared = page.url();
    const other = await openTab(browser, url, { cookie: tenant.cookie });
    try {
      await other.page.goto(shared);
      await other.page.locator('[data-settled="true"]').waitFor();
      expect(await other.page.getByLabel("Tags").inputValue()).toBe("error=true");
      expect(await other.page.getByLabel("Service").inputValue()).toBe("frontend");
    } finally {
      await other.context.close();
    }

    await page.goBack();
    await page.waitForURL((u) => !u.search.includes("tags="));
    // The form follows the URL once the page has re-read it, a tick after the URL changed.
    await page.locator('[data-settled="true"]').waitFor();
    await expect.poll(() => page.getByLabel("Tags").inputValue(), { timeout: 5_000 }).toBe("");
    expect((await shownIds()).length).toBe(REQUESTS);
  });

  it("flags a malformed tag filter beside the field without searching", async () => {
    const { page } = tab;
    const before = page.url();
    await page.getByLabel("Tags").fill('error=true db.statement="unclosed');
    await page.getByRole("button", { name: "Find traces" }).click();
    await expect.poll(() => page.locator("#search-tags-error").textContent()).toContain("closing quote");
    expect(page.url()).toBe(before);
    expect(await focusedId(page)).toBe("search-tags");
  });

  it("selects two traces to compare and links to the comparison", async () => {
    const { page } = tab;
    await page.goto("/search?service=frontend");
    const [a, b] = await shownIds();
    await page.getByLabel(`Select trace ${a?.slice(0, 7)} to compare`).check();
    await page.getByLabel(`Select trace ${b?.slice(0, 7)} to compare`).check();
    const compare = page.getByRole("link", { name: "Compare" });
    expect(await compare.getAttribute("href")).toBe(`/compare?a=${a}&b=${b}`);
    await compare.click();
    await page.waitForURL(`**/compare?a=${a}&b=${b}`);
  });

  it("says so when nothing matches", async () => {
    const { page } = tab;
    await page.goto(`/search?service=frontend&tags=${encodeURIComponent("no.such.tag=1")}`);
    await page.locator('[data-state="empty"]').waitFor();
    expect(await page.locator('[data-state="empty"] h2').textContent()).toBe("No traces found");
  });

  it("shows the server's message when a hand-edited URL is refused, and offers a retry", async () => {
    const { page } = tab;
    await page.goto("/search?service=frontend&minDuration=fast");
    await page.locator('[data-state="error"]').waitFor();
    expect(await page.locator('[data-state="error"] [role="alert"]').textContent()).toContain("minDuration");
    expect(await page.getByRole("button", { name: "Try again" }).count()).toBe(1);
    await screenshot(page, "search-error");
  });

  it("threw no uncaught errors", () => {
    expect(tab.errors).toEqual([]);
  });
});
