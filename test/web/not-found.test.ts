/**
 * What is not there, in real Chromium: a route the app does not have shows the app's own
 * not-found page (navigation kept, light and dark themes, ways back) instead of the framework's
 * bare "404 Not Found", whether typed into the address bar or followed from a link; a
 * trace id with no trace shows a not-found state in the trace view, not a spinner or a blank.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestTenant } from "../support/tenant";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;

beforeAll(async () => {
  browser = await launchChromium();
  tenant = await signUp(url, "Lost & Found Ltd");
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  expect(tab?.errors ?? []).toEqual([]);
  await tab?.context.close();
  await browser?.close();
});

/** Background and text colour of an element, as the browser paints them. */
const colours = (page: Page, selector: string) =>
  page.evaluate<{ background: string; text: string }>(`(() => {
    const style = getComputedStyle(document.querySelector(${JSON.stringify(selector)}));
    return { background: style.backgroundColor, text: style.color };
  })()`);

const mainNav = (page: Page) => page.getByRole("navigation", { name: "Main" });

describe("an unknown route", () => {
  it("shows the app's not-found page, with the navigation, what was not found and ways back", async () => {
    const { page } = tab;
    await page.goto("/no/such/page?x=1");
    const notFound = page.locator('[data-testid="not-found"]');
    await notFound.waitFor();
    expect(await notFound.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
    expect(await page.locator('[data-testid="not-found-path"]').textContent()).toBe("/no/such/page");
    expect(await page.title()).toBe("Page not found · edgetrace");
    // Not the framework's bare page.
    expect(await page.locator("h1", { hasText: /^404$/ }).count()).toBe(0);
    // The app's frame is still there: navigation and theme toggle.
    expect(await mainNav(page).getByRole("link").allTextContents()).toEqual(["Search", "Map", "Monitor", "API keys", "Sampling", "Usage", "Setup", "Members", "Audit", "Settings"]);
    await page.getByRole("button", { name: "Dark theme" }).waitFor();
    // Ways back.
    expect(await notFound.getByRole("link", { name: "Search traces" }).getAttribute("href")).toBe("/search");
    expect(await notFound.getByRole("link", { name: "Set up tracing" }).getAttribute("href")).toBe("/onboarding");
    await screenshot(page, "not-found");
  });

  it("follows the theme: its card is light on a light system and dark on a dark one", async () => {
    const { page } = tab;
    await page.emulateMedia({ colorScheme: "light" });
    const light = await colours(page, '[data-testid="not-found"] .card');
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await colours(page, '[data-testid="not-found"] .card');
    await page.emulateMedia({ colorScheme: null });
    expect(light.background).toBe("rgb(255, 255, 255)");
    expect(dark.background).not.toBe(light.background);
    expect(dark.text).not.toBe(light.text);
  });

  it("takes you to search from its main action", async () => {
    const { page } = tab;
    await page.locator('[data-testid="not-found"]').getByRole("link", { name: "Search traces" }).click();
    await page.waitForURL((u) => u.pathname === "/search");
    await page.getByRole("button", { name: "Find traces" }).waitFor();
  });

  it("is the same page when a link inside the app leads nowhere", async () => {
    const { page } = tab;
    // (SvelteKit hands a path no route matches to the server, whose SPA fallback is the app again.)
    await page.evaluate(`(() => {
      const a = document.createElement("a");
      a.href = "/dashboards/old";
      a.textContent = "stale link";
      a.id = "stale-link";
      document.querySelector("main").append(a);
    })()`);
    await page.locator("#stale-link").click();
    await page.locator('[data-testid="not-found"]').waitFor();
    expect(await page.locator('[data-testid="not-found-path"]').textContent()).toBe("/dashboards/old");
    expect(await mainNav(page).count()).toBe(1);
  });

  it("offers the trace when the unknown path holds a trace id", async () => {
    const { page } = tab;
    const id = "00112233445566778899aabbccddeeff";
    await page.goto(`/traces/${id}/spans`);
    const link = page.locator('[data-testid="not-found-trace"]');
    expect(await link.getAttribute("href")).toBe(`/trace/${id}`);
  });

  it("sends someone without a session to log in first, and back afterwards", async () => {
    const context = await browser.newContext({ baseURL: url });
    try {
      const page = await context.newPage();
      await page.goto("/no/such/page");
      await page.waitForURL((u) => u.pathname === "/login");
      expect(new URL(page.url()).searchParams.get("next")).toBe("/no/such/page");
    } finally {
      await context.close();
    }
  });
});

describe("a trace id with no trace", () => {
  const missing = "0f0e0d0c0b0a09080706050403020100";

  it("shows a not-found state in the trace view, naming the id and the organization", async () => {
    const { page } = tab;
    await page.goto(`/trace/${missing}`);
    const state = page.locator('[data-testid="trace-not-found"]');
    await state.waitFor();
    expect(await state.getByRole("heading", { level: 1 }).textContent()).toBe("Trace not found");
    expect(await page.locator('[data-testid="missing-trace-id"]').textContent()).toBe(missing);
    expect(await state.textContent()).toContain("Lost & Found Ltd");
    expect(await page.title()).toBe("Trace not found · edgetrace");
    // No loading skeleton left behind, and the navigation is there.
    expect(await page.locator('[data-testid="trace-loading"]').count()).toBe(0);
    expect(await mainNav(page).count()).toBe(1);
    expect(await state.getByRole("link", { name: "Search traces" }).getAttribute("href")).toBe("/search");
    await screenshot(page, "trace-not-found");
  });

  it("asks again on Try again and still says not found", async () => {
    const { page } = tab;
    const asked = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/traces/${missing}`);
    await page.getByRole("button", { name: "Try again" }).click();
    expect((await asked).status()).toBe(404);
    await page.locator('[data-testid="trace-not-found"]').waitFor();
  });

  it("says when the id is not a trace id at all", async () => {
    const { page } = tab;
    await page.goto("/trace/not-a-trace");
    const failure = page.locator('[data-testid="trace-failure"]');
    await failure.waitFor();
    expect(await failure.getByRole("heading", { level: 1 }).textContent()).toBe("Not a trace id");
    expect(await failure.getByRole("button", { name: "Try again" }).count()).toBe(0);
  });
});
