/**
 * Teams in real Chromium: an owner invites from the Members page and copies the link; someone
 * new opens it in a browser of their own, sets a password and lands signed in as a member; the
 * owner sees them and changes their role; the Audit page shows it. Then a user in two
 * organisations switches between them from the shell, and signs out everywhere from Settings.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { invite, send, tokenOf, uniqueEmail } from "../support/org";
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

/** What a page shows after a navigation and its requests: seconds on a loaded two-core machine, not vitest's default second. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

const mainNav = (tab: Tab) => tab.page.getByRole("navigation", { name: "Main" });

describe("inviting a member", () => {
  let owner: TestTenant;
  let ownerTab: Tab;
  let newcomerTab: Tab;
  const email = uniqueEmail("newcomer");
  let link = "";

  beforeAll(async () => {
    owner = await signUp(url, "Invite Flow Inc");
    ownerTab = await openTab(browser, url, { cookie: owner.cookie });
    newcomerTab = await openTab(browser, url);
  });

  afterAll(async () => {
    await ownerTab.context.close();
    await newcomerTab.context.close();
  });

  it("an admin creates an invite on the Members page and copies its link", async () => {
    const { page } = ownerTab;
    await page.goto("/search");
    await mainNav(ownerTab).getByRole("link", { name: "Members" }).click();
    await page.waitForURL("**/members");
    expect(await page.title()).toBe("Members · edgetrace");
    await eventually(() => page.getByTestId("members").locator("tbody tr").count()).toBe(1);

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Role", { exact: true }).selectOption("member");
    await page.getByRole("button", { name: "Create invite link" }).click();
    const field = page.getByLabel("Invite link");
    await field.waitFor();
    link = await field.inputValue();
    expect(link).toMatch(new RegExp(`^${url}/invite#eti_`));
    await page.getByRole("button", { name: "Copy link" }).click();
    expect(await readClipboard(page)).toBe(link);
    await eventually(() => page.getByTestId("invites").textContent()).toContain(email);
    await screenshot(page, "members");
  });

  it("the invitee opens the link in another browser, sets a password and lands signed in as a member", async () => {
    const { page, context } = newcomerTab;
    await page.goto(link);
    await eventually(() => page.getByTestId("invite-email").textContent()).toBe(email);
    expect(await page.locator(".lede").textContent()).toBe("You are invited to Invite Flow Inc as member.");
    await screenshot(page, "invite");
    await page.getByLabel("Choose a password").fill("short");
    await page.getByRole("button", { name: "Join" }).click();
    await eventually(() => page.locator(".field-error").textContent()).toContain("at least 10 characters");
    await page.getByLabel("Choose a password").fill("a newcomer's long password");
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL("**/search");
    await eventually(() => page.getByTestId("org-name").textContent()).toBe("Invite Flow Inc");
    // Members see Members, not the audit trail.
    await eventually(() => mainNav(newcomerTab).getByRole("link").allTextContents()).toContain("Members");
    expect(await mainNav(newcomerTab).getByRole("link").allTextContents()).not.toContain("Audit");
    const me = await context.request.get(`${url}/api/me`);
    expect(await me.json()).toMatchObject({ tenant: { id: owner.tenantId }, user: { email }, role: "member" });
    expect(newcomerTab.errors).toEqual([]);
  });

  it("the link works once", async () => {
    const response = await send(url, "POST", "/api/invites/accept", undefined, { token: tokenOf(link), password: "another long password" });
    expect(response.status).toBe(404);
    const stranger = await openTab(browser, url);
    try {
      await stranger.page.goto(link);
      const alert = stranger.page.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/not valid: it was used/);
    } finally {
      await stranger.context.close();
    }
  });

  it("the owner sees the new member, changes their role, and finds both in the audit trail", async () => {
    const { page } = ownerTab;
    await page.reload();
    const row = page.locator(`tr[data-email="${email}"]`);
    await row.waitFor();
    await row.getByLabel(`Role of ${email}`).selectOption("viewer");
    await expect
      .poll(async () => ((await (await send(url, "GET", "/api/members", owner.cookie)).json()) as { members: { email: string; role: string }[] }).members.find((m) => m.email === email)?.role)
      .toBe("viewer");
    await mainNav(ownerTab).getByRole("link", { name: "Audit" }).click();
    await page.waitForURL("**/audit");
    await eventually(() => page.locator('tr[data-action="member.role"]').count()).toBe(1);
    expect(await page.locator('tr[data-action="member.join"]').textContent()).toContain(email);
    expect(await page.locator('tr[data-action="member.role"]').textContent()).toContain("to=viewer");
    await screenshot(page, "audit");
    expect(ownerTab.errors).toEqual([]);
  });
});

describe("two organisations", () => {
  it("switches from the shell and shows only the chosen organisation's data", async () => {
    const home = await signUp(url, "Switch Home");
    const away = await signUp(url, "Switch Away");
    const link = await invite(url, away.cookie, home.email, "viewer");
    const joined = await send(url, "POST", "/api/invites/accept", home.cookie, { token: tokenOf(link.url) });
    expect(joined.status).toBe(200);
    const cookie = (joined.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    const tab = await openTab(browser, url, { cookie });
    try {
      const { page } = tab;
      await page.goto("/members");
      const switcher = page.getByLabel("Organization");
      await switcher.waitFor();
      expect(await switcher.inputValue()).toBe(away.tenantId);
      await eventually(() => page.getByTestId("members").textContent()).toContain(away.email);
      await switcher.selectOption(home.tenantId);
      // The page reloads in the other organisation: away's owner is not in home.
      await eventually(() => page.getByTestId("members").textContent()).not.toContain(away.email);
      expect(await page.getByTestId("members").textContent()).toContain(home.email);
      expect(await switcher.inputValue()).toBe(home.tenantId);
      // The owner of home again: the audit trail is back in the navigation.
      await eventually(() => mainNav(tab).getByRole("link").allTextContents()).toContain("Audit");
      expect(tab.errors).toEqual([]);
    } finally {
      await tab.context.close();
    }
  });
});

describe("Settings", () => {
  it("signs out everywhere: this browser lands on the login page and other sessions end", async () => {
    const user = await signUp(url, "Everywhere Inc");
    const other = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: user.email, password: user.password }) });
    const otherCookie = (other.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    const tab = await openTab(browser, url, { cookie: user.cookie });
    try {
      await tab.page.goto("/settings");
      await tab.page.getByRole("button", { name: "Sign out everywhere" }).click();
      await tab.page.waitForURL("**/login");
      expect((await send(url, "GET", "/api/me", otherCookie)).status).toBe(401);
      expect((await send(url, "GET", "/api/me", user.cookie)).status).toBe(401);
    } finally {
      await tab.context.close();
    }
  });

  it("changes the password, ending the other sessions", async () => {
    const user = await signUp(url, "Password Inc");
    const other = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: user.email, password: user.password }) });
    const otherCookie = (other.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    const tab = await openTab(browser, url, { cookie: user.cookie });
    try {
      const { page } = tab;
      await page.goto("/settings");
      await page.getByLabel("Current password").fill("not my password");
      await page.getByLabel("New password").fill("a much better password");
      await page.getByRole("button", { name: "Change password" }).click();
      await eventually(() => page.locator("#current-password-error").textContent()).toMatch(/wrong current password/);
      await page.getByLabel("Current password").fill(user.password);
      await page.getByRole("button", { name: "Change password" }).click();
      await eventually(() => page.getByRole("status").filter({ hasText: "Password changed" }).count()).toBe(1);
      expect((await send(url, "GET", "/api/me", otherCookie)).status).toBe(401);
      expect((await send(url, "GET", "/api/me", user.cookie)).status).toBe(200);
    } finally {
      await tab.context.close();
    }
  });
});
