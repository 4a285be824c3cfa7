/**
 * The first ten minutes of a new user, in real Chromium against the real server: sign up, copy
 * the key, export spans with the stock OpenTelemetry SDK using that key, watch the "waiting for
 * your first span" indicator flip, find the trace in search and open it.
 *
 * The steps share one browser tab and run in order; each `it` is one step a user would notice
 * failing.
 */
import { SpanKind, SpanStatusCode, context as otelContext, trace } from "@opentelemetry/api";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { exportSpans, exportSucceeded, memoryProvider } from "../support/otel";
import { focusedId, launchChromium, openTab, readClipboard, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tab: Tab;

beforeAll(async () => {
  browser = await launchChromium();
  tab = await openTab(browser, url);
});

afterAll(async () => {
  await browser?.close();
});

/**
 *   web-e2e-<n>  SERVER  GET /checkout ─────────── 180 ms
 *   └ web-e2e-<n>  CLIENT  charge card ───── 90 ms (error)
 */
async function checkoutTrace(service: string) {
  const { provider, finished } = memoryProvider({ "service.name": service });
  const tracer = provider.getTracer("web-e2e");
  const start = Date.now() - 500;
  const root = tracer.startSpan("GET /checkout", { kind: SpanKind.SERVER, startTime: start, attributes: { "http.route": "/checkout" } });
  const child = tracer.startSpan("charge card", { kind: SpanKind.CLIENT, startTime: start + 40 }, trace.setSpan(otelContext.active(), root));
  child.setStatus({ code: SpanStatusCode.ERROR, message: "card declined" });
  child.end(start + 130);
  root.end(start + 180);
  const spans = await finished();
  return { spans, traceId: root.spanContext().traceId };
}

describe("from sign-up to the first trace", () => {
  const service = `web-e2e-${crypto.randomUUID().slice(0, 8)}`;
  let key = "";
  let traceId = "";

  it("sends a visitor without a session to the login page, and from there to sign-up", async () => {
    const { page } = tab;
    await page.goto("/");
    await page.waitForURL("**/login");
    await screenshot(page, "login");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL("**/signup");
  });

  it("shows every missing field beside its input", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.locator(".field-error").allTextContents()).toEqual([
      "organization is required",
      "email is required",
      "password is required",
    ]);
    expect(await page.getByLabel("Organization").getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => focusedId(page)).toBe("organization");
  });

  it("shows the server's field error beside its field", async () => {
    const { page } = tab;
    // Only the server bounds the name's length. (A taken email is no error: sign-up answers it
    // like a new one, so it tells nobody which emails have accounts.)
    await page.getByLabel("Organization").fill("x".repeat(101));
    await page.getByLabel("Email").fill(`long-${crypto.randomUUID().slice(0, 8)}@example.test`);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.locator("#organization-error").textContent()).toBe("organization must be at most 100 characters");
    await screenshot(page, "signup-error");
  });

  it("signs up and shows the new ingest key once, with a working copy button", async () => {
    const { page } = tab;
    await page.getByLabel("Organization").fill("Web E2E Rides");
    await page.getByLabel("Email").fill(`web-${crypto.randomUUID().slice(0, 8)}@example.test`);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL("**/onboarding");

    key = await page.getByLabel("Ingest API key").inputValue();
    expect(key).toMatch(/^etk_[A-Za-z0-9_-]{49}$/);
    const copy = page.getByRole("button", { name: "Copy key" });
    await copy.click();
    await expect.poll(() => copy.getAttribute("data-state")).toBe("copied");
    expect(await readClipboard(page)).toBe(key);
  });

  it("fills the setup snippets with this server and the key", async () => {
    const { page } = tab;
    // The first tab panel: the MCP client set-up below it has tabs too.
    const panel = () => page.getByRole("tabpanel").first();
    const env = await panel().locator("pre").last().textContent();
    expect(env).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT="${url}"`);
    expect(env).toContain(`OTEL_EXPORTER_OTLP_HEADERS="x-api-key=${key}"`);
    expect(env).toContain(`OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf"`);
    // Arrow keys move between the tabs (WAI-ARIA tabs).
    await page.getByRole("tab", { name: "Environment" }).focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => page.getByRole("tab", { name: "Node.js" }).getAttribute("aria-selected")).toBe("true");
    expect(await panel().textContent()).toContain(`url: "${url}/v1/traces"`);
    await page.getByRole("tab", { name: "Collector" }).click();
    const collector = await panel().locator("pre").last().textContent();
    expect(collector).toContain(`endpoint: ${url}\n`);
    expect(collector).toContain(`x-api-key: ${key}`);
    await page.getByRole("tab", { name: "Environment" }).click();
    await expect.poll(() => page.locator("[data-phase]").getAttribute("data-phase")).toBe("waiting");
    await screenshot(page, "onboarding");
  });

  it("flips the indicator when spans exported with the stock OTel SDK and the key arrive", async () => {
    const { page } = tab;
    const sent = await checkoutTrace(service);
    traceId = sent.traceId;
    expect(exportSucceeded(await exportSpans(url, key, sent.spans, { kind: "protobuf" }))).toBe(true);
    await expect.poll(() => page.locator("[data-phase]").getAttribute("data-phase"), { timeout: 20_000 }).not.toBe("waiting");
  });

  // Needs the Jaeger search API (GET /api/services, /api/traces): the indicator finds the trace by searching.
  it("turns the indicator into a link to the trace, which opens the trace page", async () => {
    const { page } = tab;
    await expect.poll(() => page.locator("[data-phase]").getAttribute("data-phase"), { timeout: 30_000 }).toBe("found");
    await screenshot(page, "onboarding-found");
    await page.getByRole("link", { name: "View the trace" }).click();
    await page.waitForURL(`**/trace/${traceId}`);
  });

  // Needs the Jaeger search API.
  it("finds the trace in search, with its services and error count, and opens it", async () => {
    const { page } = tab;
    await page.goto(`/search?service=${service}&tags=${encodeURIComponent("error=true")}`);
    const row = page.locator(`[data-trace-id="${traceId}"]`);
    await row.waitFor();
    expect(await row.locator(".root").textContent()).toBe(`${service}: GET /checkout`);
    expect(await row.textContent()).toContain("2 spans");
    expect(await row.textContent()).toContain("1 error");
    expect(await page.locator(".scatter circle").count()).toBe(1);
    await screenshot(page, "search");
    await row.getByRole("link").first().click();
    await page.waitForURL(`**/trace/${traceId}`);
  });

  it("threw no uncaught errors along the way", () => {
    expect(tab.errors).toEqual([]);
  });
});
