/**
 * The archive toggle in the trace view, in real Chromium against the real archive API: a trace
 * sent over OTLP is archived from its page, is still archived after a reload (and the API agrees),
 * and is released again; a pending call and a failed one are shown as such; and a trace opened
 * from a file has no toggle, as it has nothing to archive.
 *
 *   archive-demo  GET /orders ─────────── 200 ms
 *   └ archive-demo  SELECT orders ──── 80 ms
 */
import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeRequest, makeSpan } from "../support/otlp-builders";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import type { JaegerTrace } from "../../worker/jaeger/v1-types";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
let traceId: string;
let stored: JaegerTrace;

const KEPT = "Archived traces are kept past your retention period.";

/** The status the archive API gives, asked with the read key rather than through the page. */
const archiveStatus = async () => (await getJson<{ data: JaegerTrace[] | null }>(`${url}/api/archive/${traceId}`, tenant.readKey)).status;

const toggle = (page: Page) => page.getByTestId("archive-toggle");

async function openTrace(page: Page) {
  await page.goto(`/trace/${traceId}`);
  await page.locator('[data-testid="trace-view"]').waitFor();
  // The status arrives after the trace is shown.
  await expect.poll(() => toggle(page).getAttribute("data-state")).not.toBe("checking");
}

beforeAll(async () => {
  tenant = await signUp(url, "Archive Keepers");
  traceId = randomBytes(16).toString("hex");
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const at = (ms: number) => (nowNs - 1_000_000_000n + BigInt(ms) * 1_000_000n).toString();
  const root = makeSpan({ traceId, name: "GET /orders", startTimeUnixNano: at(0), endTimeUnixNano: at(200) });
  const child = makeSpan({ traceId, parentSpanId: root.spanId, name: "SELECT orders", kind: 3, startTimeUnixNano: at(50), endTimeUnixNano: at(130) });
  const sent = await fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey },
    body: JSON.stringify(makeRequest([root, child], { resource: { attributes: [{ key: "service.name", value: { stringValue: "archive-demo" } }] } })),
  });
  expect(sent.status).toBe(200);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { status, body } = await getJson<{ data: JaegerTrace[] }>(`${url}/api/traces/${traceId}`, tenant.readKey);
    if (status === 200 && body.data[0]?.spans.length === 2) {
      stored = body.data[0];
      break;
    }
    if (Date.now() > deadline) throw new Error(`trace ${traceId} never had its 2 spans`);
    await new Promise((r) => setTimeout(r, 250));
  }
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  await tab?.context.close();
  await browser?.close();
});

describe("the archive toggle", () => {
  it("shows a trace that is not archived as such, and says what archiving means", async () => {
    const { page } = tab;
    await openTrace(page);
    expect(await archiveStatus()).toBe(404);
    expect(await toggle(page).getAttribute("aria-pressed")).toBe("false");
    expect(await toggle(page).innerText()).toBe("Archive");
    expect(await toggle(page).getAttribute("title")).toContain(KEPT);
    // The tooltip's words reach screen readers too.
    const described = (await toggle(page).getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`[id="${described}"]`).textContent()).toContain(KEPT);
  });

  it("archives the trace, showing the call as pending until the server answers", async () => {
    const { page } = tab;
    const width = (await toggle(page).boundingBox())?.width;
    // Hold the POST until the pending state has been seen.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/api/archive/${traceId}`, async (route) => {
      if (route.request().method() === "POST") await held;
      await route.fallback();
    });
    try {
      await toggle(page).click();
      await expect.poll(() => toggle(page).getAttribute("data-state")).toBe("archiving");
      expect(await toggle(page).isDisabled()).toBe(true);
      expect(await toggle(page).innerText()).toBe("Archiving…");
      // Every label fits the same width: the header does not shift.
      expect((await toggle(page).boundingBox())?.width).toBe(width);
      release();
      await expect.poll(() => toggle(page).getAttribute("aria-pressed")).toBe("true");
    } finally {
      release();
      await page.unroute(`**/api/archive/${traceId}`);
    }
    expect(await toggle(page).innerText()).toBe("Archived");
    // The name a screen reader hears is the visible label alone.
    expect(await page.getByRole("button", { name: "Archived", exact: true, pressed: true }).count()).toBe(1);
    expect((await toggle(page).boundingBox())?.width).toBe(width);
    expect(await archiveStatus()).toBe(200);
    await screenshot(page, "trace-archived");
  });

  it("is still archived after a reload, and the archive holds the trace's spans", async () => {
    const { page } = tab;
    await openTrace(page);
    expect(await toggle(page).getAttribute("aria-pressed")).toBe("true");
    const { status, body } = await getJson<{ data: JaegerTrace[] }>(`${url}/api/archive/${traceId}`, tenant.readKey);
    expect(status).toBe(200);
    expect(body.data[0]?.spans.map((s) => s.spanID).sort()).toEqual(stored.spans.map((s) => s.spanID).sort());
  });

  it("says so when releasing fails, and stays archived", async () => {
    const { page } = tab;
    await page.route(`**/api/archive/${traceId}`, (route) =>
      route.request().method() === "DELETE" ? route.fulfill({ status: 503, json: { data: null, errors: [{ code: 503, msg: "storage is busy" }] } }) : route.fallback(),
    );
    try {
      await toggle(page).click();
      const error = page.getByTestId("archive-error");
      await expect.poll(() => error.innerText()).toBe("Could not release this trace: storage is busy");
      expect(await error.getAttribute("role")).toBe("alert");
      expect(await toggle(page).getAttribute("aria-pressed")).toBe("true");
      expect(await archiveStatus()).toBe(200);
      await screenshot(page, "trace-archive-error");
      await error.getByRole("button", { name: "Dismiss" }).click();
      expect(await error.count()).toBe(0);
    } finally {
      await page.unroute(`**/api/archive/${traceId}`);
    }
  });

  it("releases the trace from the keyboard", async () => {
    const { page } = tab;
    await toggle(page).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => toggle(page).getAttribute("aria-pressed")).toBe("false");
    expect(await archiveStatus()).toBe(404);
    await openTrace(page);
    expect(await toggle(page).getAttribute("aria-pressed")).toBe("false");
  });

  it("is not offered for a trace opened from a file", async () => {
    const { page } = tab;
    await page.goto("/trace/upload");
    await page.locator('[data-testid="trace-file-input"]').setInputFiles({ name: "orders.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify({ data: [stored] })) });
    await page.locator('[data-testid="trace-view"]').waitFor();
    expect(await page.locator('[data-testid="span-count"]').textContent()).toBe("2");
    expect(await toggle(page).count()).toBe(0);
  });

  it("threw no uncaught errors", () => {
    expect(tab.errors).toEqual([]);
  });
});
