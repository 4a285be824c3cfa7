/**
 * The API keys page in real Chromium: list, create with scopes (secret shown once, copyable),
 * revoke behind a confirmation; and the session guard around it.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestTenant } from "../support/tenant";
import { launchChromium, openTab, readClipboard, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe("the API keys page", () => {
  let tenant: TestTenant;
  let tab: Tab;

  beforeAll(async () => {
    tenant = await signUp(url, "Keys Page Inc");
    tab = await openTab(browser, url, { cookie: tenant.cookie });
  });

  afterAll(async () => {
    await tab.context.close();
  });

  it("lists the tenant's keys with name, prefix, scopes and times", async () => {
    const { page } = tab;
    await page.goto("/keys");
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const reader = page.locator("tbody tr", { hasText: "test reader" });
    expect(await reader.locator("code").textContent()).toBe(`${tenant.readKey.slice(0, 12)}…`);
    expect(await reader.locator(".scope").allTextContents()).toEqual(["read"]);
    expect(await reader.locator("td[data-caps]").textContent()).toBe("none");
    expect(await reader.locator("td").nth(3).textContent()).toBe("just now");
    await screenshot(page, "keys");
  });

  it("refuses a key without a name or scopes, saying which field", async () => {
    const { page } = tab;
    await page.getByRole("checkbox", { name: /^ingest/ }).uncheck();
    await page.getByRole("button", { name: "Create key" }).click();
    await expect.poll(() => page.locator(".field-error").first().textContent()).toBe("name is required");
    await page.getByLabel("Name").fill("no scopes");
    await page.getByRole("button", { name: "Create key" }).click();
    await expect.poll(() => page.locator("#scopes-error").textContent()).toContain("scopes must be a non-empty array");
  });

  it("creates a read key and shows its secret once, copyable", async () => {
    const { page } = tab;
    await page.getByLabel("Name").fill("grafana");
    await page.getByRole("checkbox", { name: /^read/ }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = page.getByLabel("New API key");
    await secret.waitFor();
    const key = await secret.inputValue();
    expect(key).toMatch(/^etk_/);
    const copy = page.getByRole("button", { name: "Copy key" });
    await copy.click();
    await expect.poll(() => copy.getAttribute("data-state")).toBe("copied");
    expect(await readClipboard(page)).toBe(key);

    const row = page.locator("tbody tr", { hasText: "grafana" });
    await row.waitFor();
    expect(await row.locator(".scope").allTextContents()).toEqual(["read"]);
    expect(await row.locator("code").textContent()).toBe(`${key.slice(0, 12)}…`);
    // The key works: it reads this tenant's usage.
    const usage = await fetch(`${url}/api/usage`, { headers: { authorization: `Bearer ${key}` } });
    expect(usage.status).toBe(200);

    await page.getByRole("button", { name: "Done" }).click();
    expect(await secret.count()).toBe(0);
  });

  it("creates a key with a daily cap, refusing a cap that is not a number, and changes its caps in a dialog", async () => {
    const { page } = tab;
    await page.getByLabel("Name").fill("ci");
    await page.locator("details.caps summary").click();
    await page.locator("#create-spansPerDay").fill("lots");
    await page.getByRole("button", { name: "Create key" }).click();
    await expect.poll(() => page.locator("#create-spansPerDay-error").textContent()).toContain("a whole number of spans");
    await page.locator("#create-spansPerDay").fill("100,000");
    await page.getByRole("button", { name: "Create key" }).click();
    const row = page.locator("tbody tr", { hasText: "ci" }).filter({ has: page.locator("th", { hasText: /^ci$/ }) });
    await expect.poll(() => row.locator("td[data-caps]").textContent()).toBe("100,000 spans/day");

    await row.getByRole("button", { name: "Edit caps of ci" }).click();
    const dialog = page.getByRole("dialog", { name: "Caps of ci" });
    await dialog.waitFor();
    expect(await dialog.getByLabel("Max spans per day (UTC)").inputValue()).toBe("100000");
    await dialog.getByLabel("Max spans per second").fill("500");
    await screenshot(page, "keys-caps");
    await dialog.getByRole("button", { name: "Save caps" }).click();
    await expect.poll(() => row.locator("td[data-caps]").textContent()).toBe("500 spans/s · 100,000 spans/day");
    const listed = await fetch(`${url}/api/keys`, { headers: { cookie: tenant.cookie } });
    const { keys } = (await listed.json()) as { keys: Array<{ name: string; limits: unknown }> };
    expect(keys.find((k) => k.name === "ci")?.limits).toEqual({ spansPerSecond: 500, spansPerDay: 100_000 });
    await page.getByRole("button", { name: "Done" }).click();
  });

  it("revokes a key only after confirming, and marks it revoked", async () => {
    const { page } = tab;
    const row = page.locator("tbody tr", { hasText: "grafana" });
    await row.getByRole("button", { name: "Revoke grafana" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke this key?" });
    await dialog.waitFor();
    await screenshot(page, "keys-revoke");
    // Cancel first: nothing happens.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await row.getByRole("button", { name: "Revoke grafana" }).count()).toBe(1);

    await row.getByRole("button", { name: "Revoke grafana" }).click();
    await dialog.getByRole("button", { name: "Revoke key" }).click();
    await expect.poll(() => row.locator(".badge.error").textContent()).toBe("revoked");
    const listed = await fetch(`${url}/api/keys`, { headers: { cookie: tenant.cookie } });
    const { keys } = (await listed.json()) as { keys: Array<{ name: string; revokedAt: number | null }> };
    expect(keys.find((k) => k.name === "grafana")?.revokedAt).toEqual(expect.any(Number));
  });

  it("threw no uncaught errors", () => {
    expect(tab.errors).toEqual([]);
  });
});

describe("the session guard", () => {
  it("sends a visitor to login and back to the page they asked for", async () => {
    const tenant = await signUp(url, "Guard Inc");
    const { page, context, errors } = await openTab(browser, url);
    try {
      await page.goto("/keys");
      await page.waitForURL("**/login?next=%2Fkeys");
      await page.getByLabel("Email").fill(tenant.email);
      await page.getByLabel("Password").fill("wrong password!");
      await page.getByRole("button", { name: "Log in" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toBe("wrong email or password");

      await page.getByLabel("Password").fill(tenant.password);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL("**/keys");
      expect(await page.locator("header .org").textContent()).toBe("Guard Inc");

      await page.getByRole("button", { name: "Log out" }).click();
      await page.waitForURL("**/login");
      await page.goto("/search");
      await page.waitForURL("**/login?next=%2Fsearch");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("ignores a next= that leaves the site", async () => {
    const tenant = await signUp(url, "Redirect Inc");
    const { page, context } = await openTab(browser, url);
    try {
      await page.goto("/login?next=//evil.example/");
      await page.getByLabel("Email").fill(tenant.email);
      await page.getByLabel("Password").fill(tenant.password);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL("**/search");
      expect(new URL(page.url()).origin).toBe(url);
    } finally {
      await context.close();
    }
  });
});
