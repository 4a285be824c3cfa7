/**
 * The Sampling page in real Chromium: the endpoint to copy (and rotating it), strategies by
 * service and operation saved and served to samplers, problems shown beside their inputs — found
 * by the page or by the server — adaptive mode, the tail policy, and the load-error state.
 */
import type { Browser, Page } from "playwright-core";
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

interface SamplingView {
  endpoint: string;
  strategies: { default_strategy: { type: string; param: number }; service_strategies: Array<{ service: string; type: string; param: number; operation_strategies?: Array<{ operation: string; param: number }> }> };
  tail: { keepErrors: boolean; slowerThanMs: number | null; slowerThan: Array<{ service: string; operation?: string; ms: number }>; keepPercent: number };
  adaptive: { enabled: boolean; targetTracesPerSecond: number };
}

/** What the server has, read with the session, not through the page. */
async function stored(tenant: TestTenant): Promise<SamplingView> {
  const response = await fetch(`${url}/api/sampling`, { headers: { cookie: tenant.cookie } });
  expect(response.status).toBe(200);
  return (await response.json()) as SamplingView;
}

/** Opens /sampling by a link the app routes in the browser, as the main navigation does. */
async function openSampling(page: Page): Promise<void> {
  await page.goto("/settings");
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  await page.evaluate(`(() => { const a = document.createElement("a"); a.href = "/sampling"; a.textContent = "to sampling"; document.body.append(a); a.click(); })()`);
  await page.waitForURL("**/sampling");
  await page.getByTestId("sampling-endpoint").waitFor();
}

const strategiesForm = (page: Page) => page.getByRole("form", { name: "Head sampling strategies" });

describe("the Sampling page", () => {
  let tenant: TestTenant;
  let tab: Tab;

  beforeAll(async () => {
    tenant = await signUp(url, "Sampling Works");
    tab = await openTab(browser, url, { cookie: tenant.cookie });
  });

  afterAll(async () => {
    await tab.context.close();
  });

  it("shows the endpoint to give a remote sampler, copies it, and shows how to use it", async () => {
    const { page } = tab;
    await openSampling(page);
    expect(await page.title()).toBe("Sampling · edgetrace");
    const endpoint = (await page.getByTestId("sampling-endpoint").textContent()) ?? "";
    expect(endpoint).toBe((await stored(tenant)).endpoint);
    await page.getByRole("button", { name: "Copy endpoint" }).click();
    await expect.poll(() => readClipboard(page)).toBe(endpoint);
    expect(await page.getByText(`EDGETRACE_SAMPLING_ENDPOINT=${endpoint}`).count()).toBe(1);
    expect(await page.getByText("new JaegerRemoteSampler({").count()).toBe(1);
    await screenshot(page, "sampling");
  });

  it("saves a service with an operation strategy, which the endpoint then serves", async () => {
    const { page } = tab;
    const form = strategiesForm(page);
    await form.getByLabel("Default probability 0–1").fill("0.5");
    await form.getByRole("button", { name: "Add service" }).click();
    await form.getByLabel("Service 1 name").fill("checkout");
    await form.getByLabel("Service 1 probability 0–1").fill("0.25");
    await form.getByRole("button", { name: "Add operation" }).nth(1).click();
    await form.getByLabel("Service 1 operation 1 name").fill("GET /health");
    await form.getByLabel("Service 1 operation 1 probability").fill("0");
    await form.getByRole("button", { name: "Save strategies" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toContain("Strategies saved");
    const view = await stored(tenant);
    expect(view.strategies).toEqual({
      default_strategy: { type: "probabilistic", param: 0.5 },
      service_strategies: [{ service: "checkout", type: "probabilistic", param: 0.25, operation_strategies: [{ operation: "GET /health", type: "probabilistic", param: 0 }] }],
    });
    const served = await (await fetch(`${view.endpoint}/sampling?service=checkout`)).json();
    expect(served).toMatchObject({ strategyType: "PROBABILISTIC", probabilisticSampling: { samplingRate: 0.25 } });
    await screenshot(page, "sampling-strategies");
  });

  it("shows a bad value beside its input and saves nothing", async () => {
    const { page } = tab;
    const form = strategiesForm(page);
    await form.getByLabel("Service 1 probability 0–1").fill("1.5");
    await form.getByRole("button", { name: "Save strategies" }).click();
    const message = form.locator('[id="strategies.service_strategies[0].param-error"]');
    await expect.poll(() => message.textContent()).toBe("Enter a probability from 0 to 1, e.g. 0.25 for one trace in four.");
    expect(await form.getByLabel("Service 1 probability 0–1").getAttribute("aria-invalid")).toBe("true");
    expect((await stored(tenant)).strategies.service_strategies[0]?.param).toBe(0.25);
    await screenshot(page, "sampling-invalid");
    // A rate limit takes a whole number of traces per second instead.
    await form.getByLabel("Service 1 type").selectOption("ratelimiting");
    await form.getByLabel("Service 1 traces per second").fill("5");
    await form.getByRole("button", { name: "Save strategies" }).click();
    await expect.poll(async () => (await stored(tenant)).strategies.service_strategies[0]?.type).toBe("ratelimiting");
  });

  it("shows the server's reason beside the input it names", async () => {
    const { page } = tab;
    const form = strategiesForm(page);
    // Too long a name is refused by the server only.
    await form.getByLabel("Service 1 name").fill("s".repeat(501));
    await form.getByRole("button", { name: "Save strategies" }).click();
    const message = form.locator('[id="strategies.service_strategies[0].service-error"]');
    await expect.poll(() => message.textContent()).toContain("longer than 500 characters");
    await form.getByLabel("Service 1 name").fill("checkout");
  });

  it("turns adaptive mode on with a target", async () => {
    const { page } = tab;
    const form = page.getByRole("form", { name: "Adaptive sampling" });
    await form.getByLabel("Adapt probabilities to traffic").check();
    await form.getByLabel("Target traces per second, per operation").fill("0");
    await form.getByRole("button", { name: "Save adaptive mode" }).click();
    await expect.poll(() => form.locator("#adaptive-target-error").textContent()).toContain("traces a second");
    await form.getByLabel("Target traces per second, per operation").fill("2");
    await form.getByRole("button", { name: "Save adaptive mode" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toContain("Adaptive mode is on");
    expect((await stored(tenant)).adaptive).toEqual({ enabled: true, targetTracesPerSecond: 2 });
  });

  it("saves a tail policy with a per-service threshold", async () => {
    const { page } = tab;
    const form = page.getByRole("form", { name: "Tail sampling" });
    await form.getByLabel("Of the other traces, keep (%)").fill("150");
    await form.getByRole("button", { name: "Save tail policy" }).click();
    await expect.poll(() => form.locator('[id="tail.keepPercent-error"]').textContent()).toBe("Enter a percentage from 0 to 100.");
    await form.getByLabel("Of the other traces, keep (%)").fill("10");
    await form.getByLabel("Always keep traces slower than (ms)").fill("1000");
    await form.getByRole("button", { name: "Add threshold" }).click();
    await form.getByLabel("Rule 1 service").fill("checkout");
    await form.getByLabel("Rule 1 operation").fill("POST /pay");
    await form.getByLabel("Rule 1 milliseconds").fill("300");
    await form.getByRole("button", { name: "Save tail policy" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toContain("Tail policy saved");
    expect((await stored(tenant)).tail).toEqual({ keepErrors: true, slowerThanMs: 1000, slowerThan: [{ service: "checkout", operation: "POST /pay", ms: 300 }], keepPercent: 10 });
    await screenshot(page, "sampling-all");
  });

  it("opens on a full page load of /sampling too (the Worker answers that path first)", async () => {
    const { page } = tab;
    await page.goto("/sampling");
    await page.getByTestId("sampling-endpoint").waitFor();
    expect(new URL(page.url()).pathname).toBe("/sampling");
    // A sampler without a tenant id in its URL is told where to look, in JSON.
    const bare = await fetch(`${url}/sampling?service=checkout`);
    expect(bare.status).toBe(404);
    expect(((await bare.json()) as { error: { message: string } }).error.message).toContain("/t/{samplingId}/sampling");
  });

  it("rotates the endpoint after asking: the old one stops answering", async () => {
    const { page } = tab;
    const before = (await page.getByTestId("sampling-endpoint").textContent()) ?? "";
    await page.getByRole("button", { name: "Rotate endpoint…" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate the sampling endpoint?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Rotate" }).click();
    await expect.poll(() => page.getByTestId("sampling-endpoint").textContent()).not.toBe(before);
    const after = (await page.getByTestId("sampling-endpoint").textContent()) ?? "";
    expect(after).toBe((await stored(tenant)).endpoint);
    expect((await fetch(`${before}/sampling?service=checkout`)).status).toBe(404);
    expect((await fetch(`${after}/sampling?service=checkout`)).status).toBe(200);
    expect(tab.errors).toEqual([]);
  });
});

describe("the Sampling page when the settings cannot be read", () => {
  it("says so and tries again", async () => {
    const tenant = await signUp(url, "Sampling Down");
    const tab = await openTab(browser, url, { cookie: tenant.cookie });
    try {
      const { page } = tab;
      let failing = true;
      await page.route("**/api/sampling", (route) => (failing ? route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "try later" } }) }) : route.continue()));
      await page.goto("/settings");
      await page.getByRole("heading", { name: "Settings" }).waitFor();
      await page.evaluate(`(() => { const a = document.createElement("a"); a.href = "/sampling"; document.body.append(a); a.click(); })()`);
      const alert = page.getByRole("alert").filter({ hasText: "Could not load your sampling settings" });
      await expect.poll(() => alert.textContent()).toContain("try later");
      failing = false;
      await alert.getByRole("button", { name: "Try again" }).click();
      await page.getByTestId("sampling-endpoint").waitFor();
    } finally {
      await tab.context.close();
    }
  });
});
