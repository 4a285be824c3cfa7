/**
 * "Copy for AI" in real Chromium: the trace view's button puts the server's Markdown digest of the
 * trace on the clipboard (checked by reading the clipboard back, which first holds a sentinel, and
 * comparing it with the digest route's own answer), the digest's span links open the trace on
 * that span, and onboarding shows how to add the MCP server to an assistant.
 */
import { SpanStatusCode } from "@opentelemetry/api";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHotrodSpans } from "../demo/traffic";
import { exportSpans, exportSucceeded } from "../support/otel";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import { launchChromium, openTab, readClipboard, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
/** HotROD request #7: the mysql deadlock. */
let deadlock = "";
let deadlockQuery = "";

beforeAll(async () => {
  tenant = await signUp(url, "Copy for AI org");
  const { spans } = collectHotrodSpans({ requests: 8, seed: 9, now: Date.now() });
  const query = spans.find((s) => s.name === "SELECT customer" && s.status.code === SpanStatusCode.ERROR);
  deadlock = query?.spanContext().traceId ?? "";
  deadlockQuery = query?.spanContext().spanId ?? "";
  expect(deadlock, "request #7 hits the deadlock").not.toBe("");
  const result = await exportSpans(url, tenant.ingestKey, spans, { kind: "protobuf", gzip: true });
  expect(exportSucceeded(result), String(result.error)).toBe(true);
  // Complete, so the digest copied and the one fetched below are of the same spans.
  const deadline = Date.now() + 30_000;
  while ((await getJson<{ openTraces: number }>(`${url}/api/usage`, tenant.readKey)).body.openTraces > 0) {
    if (Date.now() > deadline) throw new Error("traces did not complete within 30 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  await browser?.close();
});

async function digestFromApi(traceId: string): Promise<string> {
  const response = await fetch(`${url}/api/traces/${traceId}/digest`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
  expect(response.status).toBe(200);
  return response.text();
}

describe("Copy for AI", () => {
  it("copies the trace's Markdown digest and says so", async () => {
    const { page } = tab;
    await page.goto(`/trace/${deadlock}`);
    await page.locator('[data-testid="trace-view"]').waitFor();
    await page.evaluate("navigator.clipboard.writeText('nothing copied yet')");
    const button = page.getByTestId("copy-for-ai");
    await expect(button.textContent()).resolves.toContain("Copy for AI");
    await button.click();
    await page.locator('[data-testid="copy-for-ai"][data-state="copied"]').waitFor();
    expect(await button.textContent()).toContain("Copied for AI");
    await screenshot(page, "copy-for-ai");

    const copied = await readClipboard(page);
    expect(copied).toBe(await digestFromApi(deadlock));
    expect(copied).toContain(`# Trace ${deadlock}: frontend GET /dispatch`);
    expect(copied).toContain("**customer: SELECT customer** (origin): Deadlock found when trying to get lock");
    // The feedback goes back to the button after a moment, ready to copy again.
    await page.locator('[data-testid="copy-for-ai"][data-state="idle"]').waitFor();
    expect(tab.errors).toEqual([]);
  });

  it("says why when the digest cannot be had", async () => {
    const { page } = tab;
    await page.goto(`/trace/${deadlock}`);
    await page.locator('[data-testid="trace-view"]').waitFor();
    // The server is fine; this request alone is made to fail, as a lost connection or a deleted trace would.
    await page.route("**/digest", (route) => route.fulfill({ status: 404, contentType: "application/json", body: JSON.stringify({ error: { code: "not_found", message: "trace gone" } }) }));
    await page.evaluate("navigator.clipboard.writeText('untouched')");
    await page.getByTestId("copy-for-ai").click();
    await expect(page.getByTestId("copy-for-ai-error").textContent()).resolves.toBe("Could not copy the digest: trace gone");
    expect(await page.getByTestId("copy-for-ai").getAttribute("data-state")).toBe("failed");
    expect(await readClipboard(page)).toBe("untouched");
    await page.unroute("**/digest");
  });

  it("opens the trace on the span a digest link names", async () => {
    const { page } = tab;
    const digest = await digestFromApi(deadlock);
    const link = `${url}/trace/${deadlock}?span=${deadlockQuery}`;
    expect(digest).toContain(`](${link})`);
    await page.goto(link);
    await page.locator('[data-testid="trace-view"]').waitFor();
    await page.locator(`[role="treeitem"][aria-selected="true"][data-span-id="${deadlockQuery}"]`).waitFor();
    await expect(page.getByTestId("span-detail").textContent()).resolves.toContain("SELECT customer");
  });
});

describe("onboarding", () => {
  it("shows how to add the MCP server to an assistant, with this server's URL", async () => {
    const { page } = tab;
    await page.goto("/onboarding");
    const section = page.getByTestId("mcp-setup");
    await section.waitFor();
    expect(await section.textContent()).toContain(`${url}/mcp`);
    await section.getByRole("tab", { name: "Claude Code" }).click();
    const command = `claude mcp add --transport http edgetrace ${url}/mcp --header "Authorization: Bearer <your-read-key>"`;
    expect(await section.locator("pre code").first().textContent()).toBe(command);
    await section.getByRole("tab", { name: "Claude Desktop" }).click();
    expect(await section.locator("pre code").first().textContent()).toContain('"mcp-remote"');
    await screenshot(page, "onboarding-mcp");
  });
});
