/**
 * The Usage page in real Chromium: today's HotROD spans (sent with the stock OTel SDK) and two
 * malformed spans, shown as GET /api/usage counts them — in the table, the chart and the quota
 * bar; every reason on its own column from a recorded answer (tail-sampling drops, rate limit,
 * quota, size); the range in the URL; the loading, empty and error states; both themes.
 */
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans } from "../demo/traffic";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import type { UsageAnswer } from "../../worker/storage/usage";
import { emptyDay, emptyRejected, emptyStored, emptyUsage } from "../../worker/storage/usage";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");
const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
let sent = 0;

async function apiUsage(from: string, to: string): Promise<UsageAnswer> {
  const { status, body } = await getJson<UsageAnswer>(`${url}/api/usage?from=${from}&to=${to}`, tenant.readKey);
  expect(status).toBe(200);
  return body;
}

/** What the table shows for a day, column by column. */
async function rowOf(day: string): Promise<Record<string, string>> {
  const row = tab.page.locator(`tr[data-day="${day}"]`);
  await row.waitFor();
  const cells = await row.locator("td[data-column]").evaluateAll((tds) => tds.map((td) => [td.getAttribute("data-column") ?? "", (td.textContent ?? "").trim()] as const));
  return Object.fromEntries(cells);
}

beforeAll(async () => {
  tenant = await signUp(url, "Usage Rides");
  const { spans } = collectHotrodSpans({ requests: 4, seed: 31, now: Date.now() - 60_000, spreadMs: 30_000 });
  sent = spans.length;
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
  // Two spans whose trace ids are not ids: refused through partial success, counted as invalid.
  const bad = { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "broken" } }] }, scopeSpans: [{ spans: [0, 1].map((i) => ({ traceId: "nope", spanId: `00000000000000a${i}`, name: "bad", startTimeUnixNano: "1", endTimeUnixNano: "2" })) }] }] };
  const refused = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey }, body: JSON.stringify(bad) });
  expect(refused.status).toBe(200);
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  expect(tab.errors).toEqual([]);
});

describe("the Usage page", () => {
  it("shows today's accepted and invalid spans as the usage route counts them, with the month's quota", async () => {
    const today = day(Date.now());
    const answer = await apiUsage(today, today);
    expect(answer.days[0]?.spansAppended).toBe(sent);
    expect(answer.days[0]?.spansInvalid).toBe(2);
    const { page } = tab;
    await page.goto("/usage");
    expect(await rowOf(today)).toMatchObject({ accepted: sent.toLocaleString("en"), invalid: "2", dropped: "0", overLimit: "0", overQuota: "0", tooLarge: "0" });
    // 30 days by default, newest first.
    const days = await page.locator("tbody tr[data-day]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-day")));
    expect(days).toHaveLength(30);
    expect(days[0]).toBe(today);
    const quota = page.locator('[data-testid="usage-quota"]');
    expect(Number(await quota.getAttribute("data-used"))).toBe(answer.quota.usedThisMonth);
    expect(Number(await quota.getAttribute("data-quota"))).toBe(answer.quota.spansPerMonth);
    expect(await quota.textContent()).toContain(`${answer.quota.plan} plan`);
    expect(await page.locator('[data-total="accepted"]').textContent()).toBe(String(sent));
    await screenshot(page, "usage");
  });

  it("draws the days as a uPlot chart and shows the day under the pointer", async () => {
    const { page } = tab;
    const chart = page.locator('figure[data-chart="usage"]');
    await chart.locator("canvas").waitFor();
    // Six series over 30 days, every day a value (zeros included).
    expect(Number(await chart.getAttribute("data-values"))).toBe(6 * 30);
    await chart.locator(".u-over").hover({ position: { x: 5, y: 20 } });
    await expect.poll(() => chart.locator(".u-legend .u-series").nth(0).locator(".u-value").textContent()).toMatch(/^[A-Z][a-z]{2} \d{1,2}$/);
  });

  it("draws again in the other theme's colours", async () => {
    const { page } = tab;
    const pixels = () => page.evaluate<string>(`document.querySelector('figure[data-chart="usage"] canvas').toDataURL()`);
    const before = await pixels();
    await page.getByRole("button", { name: "Dark theme" }).click();
    await expect.poll(pixels).not.toBe(before);
    await page.getByRole("button", { name: "Dark theme" }).click();
    await expect.poll(pixels).toBe(before);
    await page.evaluate("localStorage.clear()");
  });

  it("keeps the range in the URL", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Last 7 days" }).click();
    await page.waitForURL(/\/usage\?days=7$/);
    await expect.poll(() => page.locator("tbody tr[data-day]").count()).toBe(7);
    await page.goBack();
    await page.waitForURL((u) => u.pathname === "/usage" && u.search === "");
    await expect.poll(() => page.locator("tbody tr[data-day]").count()).toBe(30);
  });

  it("shows every reason in its own column and the dropped spans, as the route answers them", async () => {
    const { page } = tab;
    const today = day(Date.now());
    const recorded: UsageAnswer = {
      from: day(Date.now() - 6 * DAY),
      to: today,
      days: Array.from({ length: 7 }, (_, i) => ({ ...emptyDay(day(Date.now() - (6 - i) * DAY)), ...emptyRejected() })),
      quota: { plan: "team", spansPerMonth: 2_000_000_000, usedThisMonth: 1_500_000_000, month: today.slice(0, 7) },
      usage: emptyUsage(0),
      openTraces: 0,
      stored: emptyStored(),
    };
    Object.assign(recorded.days[6] ?? {}, { spansAppended: 120_000, bytesAppended: 27_000_000, spansDropped: 90_000, tracesDropped: 9_000, spansInvalid: 5, spansOverLimit: 4_000, spansOverQuota: 300, spansRefused: 2 });
    await page.route("**/api/usage?**", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(recorded) }));
    await page.goto("/usage?days=7");
    expect(await rowOf(today)).toMatchObject({ accepted: "120,000", dropped: "90,000", invalid: "5", overLimit: "4,000", overQuota: "300", tooLarge: "2" });
    expect(await page.locator('[data-total="rejected"]').textContent()).toBe("4.31k");
    expect(await page.locator('[data-testid="usage-totals"]').textContent()).toContain("9,000 traces");
    expect(await page.locator('[data-testid="usage-quota"]').textContent()).toContain("75%");
    await page.unroute("**/api/usage?**");
  });

  it("shows a failure with a way to try again", async () => {
    const { page } = tab;
    await page.route("**/api/usage?**", (route) => route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "shards are busy" } }) }));
    await page.goto("/usage");
    const alert = page.locator('[data-testid="usage-error"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("shards are busy");
    await page.unroute("**/api/usage?**");
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.locator('[data-testid="usage-table"]').waitFor();
  });

  it("shows its loading state while usage is on its way", async () => {
    const { page } = tab;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/usage?**", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto("/usage");
    await page.locator('[data-testid="usage-loading"]').waitFor();
    release();
    await page.locator('[data-testid="usage-table"]').waitFor();
    await page.unroute("**/api/usage?**");
  });

  it("shows what tail sampling dropped once a policy is set on the Sampling route", async () => {
    const sampled = await signUp(url, "Sampled Rides");
    const put = await fetch(`${url}/api/sampling`, { method: "PUT", headers: { "content-type": "application/json", cookie: sampled.cookie }, body: JSON.stringify({ tail: { keepErrors: false, keepPercent: 0 } }) });
    expect(put.status).toBe(200);
    const { spans } = collectHotrodSpans({ requests: 2, seed: 37, now: Date.now() - 60_000, spreadMs: 10_000 });
    expect(exportSucceeded(await exportSpans(url, sampled.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
    const today = day(Date.now());
    // Dropped once the traces are complete (1 s of quiet on the test server) and flushed.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await getJson<UsageAnswer>(`${url}/api/usage?from=${today}&to=${today}`, sampled.readKey);
      if (body.days[0]?.spansDropped === spans.length) break;
      if (Date.now() > deadline) throw new Error(`tail sampling never dropped the traces: ${JSON.stringify(body.days[0])}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const view = await openTab(browser, url, { cookie: sampled.cookie });
    await view.page.goto("/usage?days=7");
    const row = view.page.locator(`tr[data-day="${today}"]`);
    await row.waitFor();
    expect(await row.locator('[data-column="accepted"]').textContent()).toBe(spans.length.toLocaleString("en"));
    expect(await row.locator('[data-column="dropped"]').textContent()).toBe(spans.length.toLocaleString("en"));
    expect(await view.page.locator('[data-total="dropped"]').textContent()).toBe(String(spans.length));
    expect(view.errors).toEqual([]);
    await view.context.close();
  });

  it("says so when nothing was sent in the range", async () => {
    const empty = await signUp(url, "Quiet Rides");
    const quiet = await openTab(browser, url, { cookie: empty.cookie });
    await quiet.page.goto("/usage");
    await quiet.page.locator('[data-testid="usage-empty"]').waitFor();
    expect(await quiet.page.locator('[data-testid="usage-quota"]').getAttribute("data-used")).toBe("0");
    expect(quiet.errors).toEqual([]);
    await quiet.context.close();
  });
});
