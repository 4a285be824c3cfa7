/**
 * The app shell in real Chromium: the theme follows the system until the toggle pins one (and the
 * pin survives a reload), and the page is usable from the keyboard alone.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../support/tenant";
import { focusedId, launchChromium, openTab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const background = "getComputedStyle(document.documentElement).backgroundColor";
const pinnedTheme = (page: Page) => page.locator("html").getAttribute("data-theme");

describe("the theme", () => {
  it("follows the system, then the toggle, and remembers the toggle across a reload", async () => {
    const { page, context, errors } = await openTab(browser, url);
    try {
      await page.emulateMedia({ colorScheme: "light" });
      await page.goto("/login");
      const light = await page.evaluate<string>(background);
      await page.emulateMedia({ colorScheme: "dark" });
      const dark = await page.evaluate<string>(background);
      expect(light).not.toBe(dark);

      // Pinned to light on a dark system.
      const toggle = page.getByRole("button", { name: "Dark theme" });
      expect(await toggle.getAttribute("aria-pressed")).toBe("true");
      await toggle.click();
      expect(await toggle.getAttribute("aria-pressed")).toBe("false");
      expect(await pinnedTheme(page)).toBe("light");
      expect(await page.evaluate<string>(background)).toBe(light);

      await page.reload();
      expect(await pinnedTheme(page)).toBe("light");
      expect(await page.evaluate<string>(background)).toBe(light);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("the keyboard", () => {
  it("reaches the skip link, the main navigation and the search form by Tab alone", async () => {
    const tenant = await signUp(url, "Keyboard Inc");
    const { page, context } = await openTab(browser, url, { cookie: tenant.cookie });
    try {
      await page.goto("/search");
      await page.getByRole("button", { name: "Find traces" }).waitFor();
      const focused: string[] = [];
      for (let i = 0; i < 15; i++) {
        await page.keyboard.press("Tab");
        const el = page.locator(":focus");
        focused.push((await el.getAttribute("aria-label")) || (await el.getAttribute("id")) || ((await el.textContent()) ?? "").trim());
      }
      expect(focused).toEqual(["Skip to content", "edgetrace home", "Search", "Map", "Monitor", "API keys", "Sampling", "Usage", "Setup", "Members", "Audit", "Settings", "Log out", "Dark theme", "search-service"]);
      // The skip link moves focus into the page's main region.
      await page.reload();
      await page.getByRole("button", { name: "Find traces" }).waitFor();
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      expect(await focusedId(page)).toBe("main");
    } finally {
      await context.close();
    }
  });
});
