/**
 * Broken propagation in the product, end to end: HotROD demo traffic and a small shop whose
 * payments service sometimes calls ledger without passing the trace context, each service
 * exporting its own spans with the stock OTel SDK exporter to a real server. The detector names
 * payments for the broken request and nothing in the demo traffic; in real Chromium the trace view
 * shows the banner with the suspect and its evidence, stitches the two fragments into one tree,
 * and the Monitor counts broken traces per service.
 *
 *   healthy (×3):  shop SERVER POST /checkout
 *                  └ shop CLIENT POST /pay ─ payments SERVER POST /pay
 *                                            └ payments CLIENT POST /ledger ─ ledger SERVER POST /ledger
 *   broken:        shop SERVER ─ shop CLIENT ─ payments SERVER ─ payments CLIENT POST /ledger (no traceparent sent)
 *                  ledger SERVER POST /ledger   ← a trace of its own
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans } from "../demo/traffic";
import { shopTraffic } from "../support/broken-shop";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import type { BrokenTraces } from "../../worker/propagation/answers";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
let broken: { checkout: string; fragment: string };
let demoTraceIds: string[];
let answer: BrokenTraces;

beforeAll(async () => {
  tenant = await signUp(url, "Broken Rides");
  const { spans, summary } = collectHotrodSpans({ requests: 10, seed: 23 });
  demoTraceIds = summary.requests.flatMap((r) => [r.traceId, ...(r.notificationTraceId ? [r.notificationTraceId] : [])]);
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
  const shop = shopTraffic(Date.now() - 120_000);
  broken = shop.result;
  // One request for the three services (one resource each): sent apart, a loaded machine can let a
  // trace go quiet between them, and a trace completed in pieces is not judged (no false alarms).
  const shopSpans = (await Promise.all(shop.services.map((service) => service.finished()))).flat();
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, shopSpans, { kind: "protobuf" }))).toBe(true);
  // Shards record signs as traces complete (1 s of quiet here); wait for the demo's traces too, so
  // "no finding among them" means they were judged, not that they were not there yet.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const found = await getJson<BrokenTraces>(`${url}/api/broken-traces?lookback=1h`, tenant.readKey);
    expect(found.status).toBe(200);
    answer = found.body;
    const last = demoTraceIds.at(-1) as string;
    const stored = (await getJson(`${url}/api/traces/${last}`, tenant.readKey)).status === 200;
    if (stored && answer.findings.some((f) => f.traceId === broken.fragment)) break;
    if (Date.now() > deadline) throw new Error(`no finding for the broken checkout: ${JSON.stringify(answer)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  expect(tab?.errors ?? []).toEqual([]);
  await browser?.close();
});

describe("the broken-propagation detector on a real server", () => {
  it("names payments for the broken checkout and finds nothing in the demo traffic", () => {
    expect(answer.findings).toHaveLength(1);
    const [finding] = answer.findings;
    expect(finding).toMatchObject({ traceId: broken.fragment, sign: "dangling-call", suspect: "payments", fragments: [broken.checkout, broken.fragment] });
    expect(finding?.evidence[1]).toContain("ledger does continue the context of calls from payments (3)");
    expect(answer.services).toEqual([{ service: "payments", broken: 1 }]);
    for (const id of demoTraceIds) expect(answer.findings.flatMap((f) => f.fragments)).not.toContain(id);
  });
});

describe("the trace view", () => {
  it("shows the suspect and the evidence above a broken trace, and links its other fragment", async () => {
    const { page } = tab;
    await page.goto(`/trace/${broken.checkout}`);
    const banner = page.locator('[data-testid="propagation-banner"]');
    await banner.waitFor();
    expect(await banner.locator('[data-testid="propagation-suspect"]').textContent()).toBe("payments");
    expect(await banner.textContent()).toContain("its call arrived without the trace context");
    const evidence = await banner.locator('[data-testid="propagation-evidence"] li').allTextContents();
    expect(evidence[0]).toContain(`ledger's SERVER span "POST /ledger" has no parent`);
    expect(await banner.locator('[data-testid="propagation-fragment"]').getAttribute("href")).toBe(`/trace/${broken.fragment}`);
    await screenshot(page, "propagation-banner");
  });

  it("stitches the fragments into one tree: ledger's span under payments' call, the stored traces unchanged", async () => {
    const { page } = tab;
    await page.goto(`/trace/${broken.fragment}`);
    await page.locator('[data-testid="propagation-banner"]').waitFor();
    await page.locator('[data-testid="propagation-stitch"]').click();
    await page.waitForURL((u) => u.pathname === `/trace/${broken.fragment}/stitched`);
    await page.locator('[data-testid="stitched-banner"]').waitFor();
    expect(await page.locator('[data-testid="span-count"]').textContent()).toBe("5");
    const levels = await page.locator('[role="treeitem"]').evaluateAll((rows) => rows.map((r) => `${r.getAttribute("aria-level")} ${r.textContent?.includes("ledger") ? "ledger" : ""}`.trim()));
    // shop SERVER 1, shop CLIENT 2, payments SERVER 3, payments CLIENT 4, ledger SERVER 5.
    expect(levels.map((l) => l.split(" ")[0])).toEqual(["1", "2", "3", "4", "5"]);
    expect(levels[4]).toBe("5 ledger");
    await screenshot(page, "propagation-stitched");
    // From the request's first trace, the same view.
    await page.goto(`/trace/${broken.checkout}/stitched`);
    await page.locator('[data-testid="stitched-banner"]').waitFor();
    expect(await page.locator('[data-testid="span-count"]').textContent()).toBe("5");
    expect(await page.locator('[data-testid="stitched-banner"] a').getAttribute("href")).toBe(`/trace/${broken.fragment}`);
    // The fragment as stored is still a trace of one span.
    const stored = await getJson<{ data: Array<{ spans: unknown[] }> }>(`${url}/api/traces/${broken.fragment}`, tenant.readKey);
    expect(stored.body.data[0]?.spans).toHaveLength(1);
  });

  it("says so when a trace has no fragments to stitch", async () => {
    const { page } = tab;
    await page.goto(`/trace/${demoTraceIds[0]}/stitched`);
    await page.locator('[data-testid="stitched-failure"]').waitFor();
    expect(await page.locator('[data-testid="stitched-failure"]').textContent()).toContain("No other trace is known to belong to the same request");
  });

  it("shows no banner above a healthy demo trace", async () => {
    const { page } = tab;
    const checked = page.waitForResponse((r) => r.url().endsWith(`/api/traces/${demoTraceIds[0]}/propagation`));
    await page.goto(`/trace/${demoTraceIds[0]}`);
    expect((await checked).status()).toBe(200);
    await page.locator('[data-testid="trace-view"]').waitFor();
    expect(await page.locator('[data-testid="propagation-banner"]').count()).toBe(0);
  });
});

describe("the Monitor", () => {
  it("counts broken traces per service and links the latest", async () => {
    const { page } = tab;
    await page.goto("/monitor");
    const payments = page.locator('tr[data-service="payments"] [data-testid="broken-count"]');
    await payments.waitFor();
    expect(await payments.textContent()).toBe("1");
    expect(await payments.getAttribute("href")).toBe(`/trace/${broken.fragment}`);
    expect(await page.locator('tr[data-service="frontend"] [data-testid="broken-count"]').textContent()).toBe("0");
    await screenshot(page, "propagation-monitor");
  });
});
