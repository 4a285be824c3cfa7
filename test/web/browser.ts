/**
 * Real Chromium for the web tests: Debian's /usr/bin/chromium driven by playwright-core (no
 * browser download works here; .ci/run installs the package). Each test file gets one browser;
 * each test its own context (cookies, storage and clipboard permission apart).
 *
 * Set WEB_SCREENSHOTS=/some/dir to keep light and dark screenshots of the pages tests visit.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  // playwright-core gives each launch a fresh temporary profile (--user-data-dir) of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors the page threw, and CSP violations: a test should end with none. */
  errors: string[];
}

/** A new context on `url` with clipboard access (for the copy buttons) and a fixed viewport. */
export async function openTab(browser: Browser, url: string, options: { cookie?: string } = {}): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: url });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
  if (options.cookie) {
    const [name = "", value = ""] = options.cookie.split("=", 2);
    await context.addCookies([{ name, value, url }]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  // A script or request the app's Content-Security-Policy blocked is a broken page too.
  page.on("console", (message) => {
    if (message.type() === "error" && message.text().includes("Content Security Policy")) errors.push(message.text());
  });
  return { context, page, errors };
}

/**
 * What the page's clipboard holds. (Browser-side code is passed as a string here and below: the
 * tests compile without the DOM library, which would clash with the Workers types.)
 */
export function readClipboard(page: Page): Promise<string> {
  return page.evaluate<string>("navigator.clipboard.readText()");
}

/** The id of the focused element, "" if it has none. */
export async function focusedId(page: Page): Promise<string> {
  return (await page.locator(":focus").getAttribute("id")) ?? "";
}

/** Light and dark screenshots of the page as it is, when WEB_SCREENSHOTS names a folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.WEB_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.evaluate("window.scrollTo(0, 0)");
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(dir, `${name}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: null });
}
