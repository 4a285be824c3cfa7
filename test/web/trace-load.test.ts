/**
 * How the trace page gets its trace, in real Chromium: app.html asks for `/api/traces/{id}` before
 * the app's code has loaded, and the page uses that answer — one request for the trace per page
 * load, not two. A later navigation inside the app asks afresh (never reusing an old answer); an
 * early answer refused for want of a session (401) is not shown, the app asks again, or sends the
 * visitor to log in first.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans, type HotrodRequest } from "../demo/traffic";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import type { JaegerTrace } from "../../worker/jaeger/v1-types";
import { launchChromium, openTab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tenant: TestTenant;
let first: HotrodRequest;
let second: HotrodRequest;

/** Every request the page sends for a trace's Jaeger JSON (`/api/traces/{id}`), in order. */
function traceRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/api\/traces\/[^/]+$/.test(path)) seen.push(path);
  });
  return seen;
}

async function rowsShown(page: Page, traceId: string): Promise<void> {
  await page.locator('[role="treeitem"]').first().waitFor();
  // The page keeps the previous trace on screen until the next one has arrived.
  await expect.poll(() => page.locator('[data-testid="span-count"]').textContent()).toBe(String(spansOf(traceId)));
}

const spansOf = (traceId: string) => [first, second].find((r) => r.traceId === traceId)?.spans;

/** Follows an in-app link, as a click on a search result does (SvelteKit's client-side router). */
async function followLink(page: Page, href: string): Promise<void> {
  await page.evaluate(`(() => {
    const a = document.createElement("a");
    a.href = ${JSON.stringify(href)};
    a.textContent = "go";
    document.querySelector("main").append(a);
    a.click();
  })()`);
}

beforeAll(async () => {
  tenant = await signUp(url, "Early Birds");
  const { spans, summary } = collectHotrodSpans({ requests: 4, seed: 31 });
  [first, second] = summary.requests.filter((r) => !r.failed && !r.slow) as [HotrodRequest, HotrodRequest];
  expect(exportSucceeded(await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf" }))).toBe(true);
  const deadline = Date.now() + 30_000;
  for (const request of [first, second]) {
    for (;;) {
      const { status, body } = await getJson<{ data: JaegerTrace[] }>(`${url}/api/traces/${request.traceId}`, tenant.readKey);
      if (status === 200 && body.data[0]?.spans.length === request.spans) break;
      if (Date.now() > deadline) throw new Error(`trace ${request.traceId} never had its ${request.spans} spans`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe("the trace page's request", () => {
  it("is sent once per page load, by the HTML before the app's code, and once per later navigation", async () => {
    const { page, context, errors } = await openTab(browser, url, { cookie: tenant.cookie });
    try {
      const requests = traceRequests(page);
      await page.goto(`/trace/${first.traceId}`);
      await rowsShown(page, first.traceId);
      expect(requests).toEqual([`/api/traces/${first.traceId}`]);
      // Sent before any of the app's scripts had arrived, and handed over (nothing left waiting).
      const order = await page.evaluate<{ api: number; firstScript: number; left: boolean }>(`(() => {
        const entries = performance.getEntriesByType("resource");
        const api = entries.find((e) => e.name.includes("/api/traces/"));
        const scripts = entries.filter((e) => e.name.includes("/_app/immutable/") && e.name.endsWith(".js"));
        return { api: api.startTime, firstScript: Math.min(...scripts.map((e) => e.responseEnd)), left: "__earlyRequest" in window };
      })()`);
      expect(order.api).toBeLessThan(order.firstScript);
      expect(order.left).toBe(false);

      await followLink(page, `/trace/${second.traceId}`);
      await page.waitForURL(`**/trace/${second.traceId}`);
      await rowsShown(page, second.traceId);
      // Back to the first trace: asked for again, not answered from the first page load.
      await page.goBack();
      await page.waitForURL(`**/trace/${first.traceId}`);
      await rowsShown(page, first.traceId);
      expect(requests).toEqual([`/api/traces/${first.traceId}`, `/api/traces/${second.traceId}`, `/api/traces/${first.traceId}`]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("is asked again when the early answer is a 401, and the trace shows", async () => {
    const { page, context, errors } = await openTab(browser, url, { cookie: tenant.cookie });
    try {
      const requests = traceRequests(page);
      let refused = 0;
      // The first answer says the session is gone (as if it ended a moment before); later ones are real.
      await page.route((asked) => asked.pathname === `/api/traces/${first.traceId}`, async (route) => {
        if (refused++ > 0) return route.continue();
        await route.fulfill({ status: 401, contentType: "application/json", body: JSON.stringify({ error: { code: "unauthorized", message: "log in first" } }) });
      });
      await page.goto(`/trace/${first.traceId}`);
      await rowsShown(page, first.traceId);
      expect(requests).toEqual([`/api/traces/${first.traceId}`, `/api/traces/${first.traceId}`]);
      expect(await page.locator('[data-testid="trace-failure"]').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("sends a visitor without a session to log in, then shows the trace they asked for", async () => {
    const { page, context, errors } = await openTab(browser, url);
    try {
      const requests = traceRequests(page);
      await page.goto(`/trace/${first.traceId}`);
      await page.waitForURL(`**/login?next=%2Ftrace%2F${first.traceId}`);
      await page.getByLabel("Email").fill(tenant.email);
      await page.getByLabel("Password").fill(tenant.password);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL(`**/trace/${first.traceId}`);
      await rowsShown(page, first.traceId);
      // The early 401 (and the load's own ask, before the session check sent the visitor away),
      // then the one after login: the last is the one shown.
      expect(requests.at(-1)).toBe(`/api/traces/${first.traceId}`);
      expect(requests.length).toBeLessThanOrEqual(3);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
