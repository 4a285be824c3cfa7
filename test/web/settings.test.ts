/**
 * The settings page in real Chromium: data retention (saved and still there after a reload; a
 * shorter value says how many days of traces it deletes and asks first; a bad value is refused
 * beside the field) and deleting the account behind the password, after which the old keys are
 * refused and the app is back on the login page saying why.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestTenant } from "../support/tenant";
import { focusedId, launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** The tenant's retention as the server has it, read with the session, not through the page. */
async function storedRetention(tenant: TestTenant): Promise<number> {
  const response = await fetch(`${url}/api/settings`, { headers: { cookie: tenant.cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { retentionDays: number }).retentionDays;
}

const field = (page: Page) => page.getByLabel("Keep traces for");
const saveButton = (page: Page) => page.getByRole("button", { name: "Save", exact: true });
const current = (page: Page) => page.getByTestId("retention-current");
const savedStatus = (page: Page) => page.locator('form[aria-label="Data retention"] [role="status"]');

describe("data retention", () => {
  let tenant: TestTenant;
  let tab: Tab;

  beforeAll(async () => {
    tenant = await signUp(url, "Retention Works");
    tab = await openTab(browser, url, { cookie: tenant.cookie });
  });

  afterAll(async () => {
    await tab.context.close();
  });

  it("is reached from the main navigation and shows the current retention", async () => {
    const { page } = tab;
    await page.goto("/search");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.waitForURL("**/settings");
    await expect.poll(() => current(page).textContent()).toBe("30 days");
    expect(await field(page).inputValue()).toBe("30");
    // Nothing to save until the value changes.
    expect(await saveButton(page).isDisabled()).toBe(true);
    expect(await page.title()).toBe("Settings · edgetrace");
    await screenshot(page, "settings");
  });

  it("warns how many days of traces a shorter retention deletes and saves it only once confirmed", async () => {
    const { page } = tab;
    await field(page).fill("7");
    await expect
      .poll(() => page.getByTestId("retention-preview").textContent())
      .toBe("Saving deletes 23 days of traces: everything older than 7 days, within minutes. Archived traces are kept.");

    await saveButton(page).click();
    const dialog = page.getByRole("dialog", { name: "Delete 23 days of traces?" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Retention goes from 30 days to 7 days.");
    await screenshot(page, "settings-shorten");
    // Cancelling saves nothing.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await storedRetention(tenant)).toBe(30);
    expect(await current(page).textContent()).toBe("30 days");

    await saveButton(page).click();
    await dialog.getByRole("button", { name: "Shorten to 7 days" }).click();
    await expect.poll(() => savedStatus(page).textContent()).toBe("Saved: traces are now kept for 7 days. Older traces are being deleted and will be gone within minutes.");
    expect(await dialog.isVisible()).toBe(false);
    expect(await current(page).textContent()).toBe("7 days");
    expect(await storedRetention(tenant)).toBe(7);
  });

  it("still shows the saved retention after a reload", async () => {
    const { page } = tab;
    await page.reload();
    await expect.poll(() => current(page).textContent()).toBe("7 days");
    expect(await field(page).inputValue()).toBe("7");
    expect(await savedStatus(page).textContent()).toBe("");
  });

  it("saves a longer retention without asking", async () => {
    const { page } = tab;
    await field(page).fill("14");
    await expect.poll(() => page.getByTestId("retention-preview").textContent()).toBe("Traces will be kept for 14 days. Traces already deleted do not come back.");
    await saveButton(page).click();
    await expect.poll(() => savedStatus(page).textContent()).toBe("Saved: traces are now kept for 14 days.");
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await storedRetention(tenant)).toBe(14);
  });

  it("refuses a value that is not a whole number of days from 1 to 90, beside the field, and saves nothing", async () => {
    const { page } = tab;
    const error = page.locator("#retention-days-error");
    const cases: Array<[string, string]> = [
      ["0", "Keep traces for at least 1 day."],
      ["120", "Traces can be kept for at most 90 days. Archive the ones you need for longer."],
      ["7.5", "“7.5” is not a number of days. Enter a whole number of days from 1 to 90."],
      ["", "Enter a whole number of days from 1 to 90."],
    ];
    for (const [typed, message] of cases) {
      await field(page).fill(typed);
      await saveButton(page).click();
      await expect.poll(() => error.textContent(), { message: typed }).toBe(message);
      expect(await field(page).getAttribute("aria-invalid")).toBe("true");
      expect(await field(page).getAttribute("aria-describedby")).toBe("retention-days-error");
      expect(await focusedId(page)).toBe("retention-days");
      expect(await page.getByRole("dialog").count()).toBe(0);
    }
    // Typing again clears the complaint.
    await field(page).pressSequentially("3");
    expect(await error.count()).toBe(0);
    expect(await storedRetention(tenant)).toBe(14);
    expect(await current(page).textContent()).toBe("14 days");
  });

  it("shows the server's refusal beside the field when it disagrees", async () => {
    const { page } = tab;
    // As if the server's limits had moved since the page loaded.
    await page.route("**/api/settings", (route) =>
      route.request().method() === "PUT"
        ? route.fulfill({ status: 400, json: { error: { code: "bad_request", message: "retentionDays must be a whole number of days from 1 to 60", field: "retentionDays" } } })
        : route.fallback(),
    );
    try {
      await field(page).fill("75");
      await saveButton(page).click();
      await expect.poll(() => page.locator("#retention-days-error").textContent()).toBe("retentionDays must be a whole number of days from 1 to 60");
      expect(await current(page).textContent()).toBe("14 days");
    } finally {
      await page.unroute("**/api/settings");
    }
  });

  it("says when the settings cannot be loaded, and loads them on Try again", async () => {
    const { page } = tab;
    let refuse = true;
    await page.route("**/api/settings", (route) => (refuse ? route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "try again shortly" } } }) : route.fallback()));
    try {
      await page.reload();
      const alert = page.getByRole("alert").filter({ hasText: "Could not load your settings" });
      // A full reload: give it the page's own timeout, not the poll's 1 s default (a loaded machine takes longer).
      await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain("Could not load your settings: try again shortly");
      // The danger zone does not depend on the settings.
      expect(await page.getByRole("button", { name: "Delete account…" }).isVisible()).toBe(true);
      refuse = false;
      await alert.getByRole("button", { name: "Try again" }).click();
      await expect.poll(() => current(page).textContent()).toBe("14 days");
      expect(await alert.count()).toBe(0);
    } finally {
      await page.unroute("**/api/settings");
    }
  });

  it("threw no uncaught errors", () => {
    expect(tab.errors).toEqual([]);
  });
});

describe("deleting the account", () => {
  it("keeps the account on a wrong password, and on the right one deletes it, refuses its keys and says so on the login page", async () => {
    const tenant = await signUp(url, "Short Lived Inc");
    const { page, context, errors } = await openTab(browser, url, { cookie: tenant.cookie });
    const services = () => fetch(`${url}/api/services`, { headers: { authorization: `Bearer ${tenant.readKey}` } }).then((r) => r.status);
    try {
      await page.goto("/settings");
      const open = page.getByRole("button", { name: "Delete account…" });
      await open.click();
      const dialog = page.getByRole("dialog", { name: "Delete this account?" });
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain("Short Lived Inc");
      // Focus starts in the password field.
      expect(await focusedId(page)).toBe("delete-password");

      // An empty password never reaches the server.
      await page.keyboard.press("Enter");
      await expect.poll(() => dialog.locator("#delete-password-error").textContent()).toBe("Enter your password to confirm.");

      await page.keyboard.type("not the password");
      expect(await dialog.locator("#delete-password-error").count()).toBe(0);
      await page.keyboard.press("Enter");
      await expect.poll(() => dialog.locator("#delete-password-error").textContent()).toBe("wrong password: the account was not deleted");
      expect(await dialog.isVisible()).toBe(true);
      expect(await focusedId(page)).toBe("delete-password");
      await screenshot(page, "settings-delete");
      // Nothing was deleted: the key still reads, the session still works.
      expect(await services()).toBe(200);
      expect((await fetch(`${url}/api/me`, { headers: { cookie: tenant.cookie } })).status).toBe(200);

      // Escape closes the dialog; it opens again empty.
      await page.keyboard.press("Escape");
      await expect.poll(() => dialog.isVisible()).toBe(false);
      await open.click();
      expect(await dialog.getByLabel("Your password").inputValue()).toBe("");
      expect(await dialog.locator("#delete-password-error").count()).toBe(0);

      await dialog.getByLabel("Your password").fill(tenant.password);
      await dialog.getByRole("button", { name: "Delete account" }).click();
      await page.waitForURL("**/login");
      await expect
        .poll(() => page.getByTestId("account-deleted").textContent())
        .toBe("Short Lived Inc was deleted. Its API keys stopped working at once; its stored traces will be erased within minutes.");
      await screenshot(page, "login-account-deleted");

      // The keys stopped working at once, and so did the session.
      expect(await services()).toBe(401);
      const ingest = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey }, body: JSON.stringify({ resourceSpans: [] }) });
      expect(ingest.status).toBe(401);
      expect((await fetch(`${url}/api/me`, { headers: { cookie: tenant.cookie } })).status).toBe(401);
      await page.goto("/settings");
      await page.waitForURL("**/login?next=%2Fsettings");
      // The notice belonged to that one navigation.
      expect(await page.getByTestId("account-deleted").count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
