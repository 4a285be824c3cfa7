/**
 * The Agent tab, in real Chromium against the real server: an AI agent trace sent over OTLP shows
 * its steps (agent → model call → tool) with tokens and cost, its totals at the organization's
 * prices, prompts collapsed until opened; the prices edited in Settings reprice it; a model
 * without a price says so; a trace without GenAI spans has no Agent tab; search finds it by model.
 *
 *   support  POST /ask
 *   └ invoke_agent support-bot            (2,200 in / 200 out: the run's totals)
 *     ├ chat gpt-4o-mini                   1,000 in / 50 out   $0.00018 at $0.15/$0.60
 *     ├ execute_tool lookup_order
 *     └ chat gpt-4o-mini                   1,200 in / 150 out  $0.00027, prompt + completion
 */
import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { agentTraceSpans } from "../support/genai-trace";
import { makeRequest, makeSpan } from "../support/otlp-builders";
import { getJson, signUp, type TestTenant } from "../support/tenant";
import type { JaegerTrace } from "../../worker/jaeger/v1-types";
import { launchChromium, openTab, screenshot, type Tab } from "./browser";

const url = inject("serverUrl");

let browser: Browser;
let tenant: TestTenant;
let tab: Tab;
const agentTrace = randomBytes(16).toString("hex");
const unpricedTrace = randomBytes(16).toString("hex");
const plainTrace = randomBytes(16).toString("hex");

async function send(spans: unknown[], service: string) {
  const response = await fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": tenant.ingestKey },
    body: JSON.stringify(makeRequest(spans, { resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] } })),
  });
  expect(response.status).toBe(200);
}

async function waitForSpans(traceId: string, count: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { status, body } = await getJson<{ data: JaegerTrace[] }>(`${url}/api/traces/${traceId}`, tenant.readKey);
    if (status === 200 && body.data[0]?.spans.length === count) return;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} never had its ${count} spans`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function openAgentTab(page: Page, traceId: string) {
  await page.goto(`/trace/${traceId}`);
  await page.getByTestId("trace-view").waitFor();
  await page.getByRole("tab", { name: "Agent" }).click();
  await page.getByTestId("agent-view").waitFor();
  // Costs show once the organization's prices arrived.
  await expect.poll(() => page.getByTestId("agent-total-cost").innerText()).not.toBe("…");
}

beforeAll(async () => {
  tenant = await signUp(url, "Agent Watchers");
  await send(agentTraceSpans({ traceId: agentTrace }), "support");
  await send(agentTraceSpans({ traceId: unpricedTrace, model: "llama-3-70b", agent: "local-bot" }), "support");
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  await send([makeSpan({ traceId: plainTrace, name: "GET /health", startTimeUnixNano: String(nowNs - 1_000_000_000n), endTimeUnixNano: String(nowNs - 900_000_000n) })], "plain");
  await Promise.all([waitForSpans(agentTrace, 5), waitForSpans(unpricedTrace, 5), waitForSpans(plainTrace, 1)]);
  browser = await launchChromium();
  tab = await openTab(browser, url, { cookie: tenant.cookie });
});

afterAll(async () => {
  await tab?.context.close();
  await browser?.close();
});

describe("the Agent tab", () => {
  it("shows agent → model call → tool steps with each step's tokens and cost, and the trace's totals", async () => {
    const { page } = tab;
    await openAgentTab(page, agentTrace);
    const steps = page.getByTestId("agent-step");
    expect(await steps.count()).toBe(4);
    expect(await steps.evaluateAll((els) => els.map((el) => el.getAttribute("data-kind")))).toEqual(["agent", "model", "tool", "model"]);
    const tokens = await page.getByTestId("step-tokens").allInnerTexts();
    expect(tokens.map((t) => t.trim())).toEqual(["2,200 in · 200 out", "1,000 in · 50 out", "no tokens", "1,200 in · 150 out"]);
    const costs = await page.getByTestId("step-cost").allInnerTexts();
    expect(costs).toEqual(["$0.00045", "$0.00018", "—", "$0.00027"]);
    expect(await page.getByTestId("agent-total-tokens").innerText()).toBe("2,400");
    expect(await page.getByTestId("agent-total-cost").innerText()).toBe("$0.00045");
    expect(await page.getByTestId("agent-models").innerText()).toBe("gpt-4o-mini");
    await screenshot(page, "agent-view");
    expect(tab.errors).toEqual([]);
  });

  it("keeps prompts and completions collapsed until asked for", async () => {
    const { page } = tab;
    await openAgentTab(page, agentTrace);
    const messages = page.getByTestId("step-messages");
    expect(await messages.count()).toBe(1);
    expect(await messages.evaluate((el) => (el as unknown as { open: boolean }).open)).toBe(false);
    const prompt = page.getByTestId("message-content").filter({ hasText: "Where is order 1042?" });
    expect(await prompt.isVisible()).toBe(false);
    await messages.locator("summary").click();
    await prompt.waitFor({ state: "visible" });
    expect(await page.getByTestId("message-content").allInnerTexts()).toEqual(["Where is order 1042?", "Order 1042 ships tomorrow."]);
  });

  it("says 'no price' for a model the table does not list, rather than $0", async () => {
    const { page } = tab;
    await openAgentTab(page, unpricedTrace);
    expect(await page.getByTestId("agent-total-cost").innerText()).toBe("no price");
    expect(await page.getByTestId("agent-unpriced").innerText()).toContain("llama-3-70b");
    expect((await page.getByTestId("step-cost").allInnerTexts())[1]).toBe("no price");
  });

  it("has no Agent tab for a trace without GenAI spans", async () => {
    const { page } = tab;
    await page.goto(`/trace/${plainTrace}`);
    await page.getByTestId("trace-view").waitFor();
    expect(await page.getByRole("tab").allInnerTexts()).toEqual(["Timeline", "Statistics", "Flamegraph", "Graph"]);
  });

  it("reprices the trace with prices edited in Settings, refusing a bad one beside its row", async () => {
    const { page } = tab;
    await page.goto("/settings");
    const form = page.getByTestId("model-prices");
    await form.waitFor();
    // The row whose model field holds gpt-4o-mini (inputs keep their value as a property, not an attribute).
    const rows = form.getByTestId("price-row");
    const at = await rows.evaluateAll((els) => els.findIndex((el) => (el.querySelector("input") as unknown as { value: string } | null)?.value === "gpt-4o-mini"));
    expect(at).toBeGreaterThanOrEqual(0);
    const row = rows.nth(at);
    await row.getByLabel(/^Input price/).fill("-1");
    await form.getByRole("button", { name: "Save prices" }).click();
    expect(await page.getByTestId("prices-error").innerText()).toContain("inputPerMillion");
    await row.getByLabel(/^Input price/).fill("1");
    await row.getByLabel(/^Output price/).fill("2");
    await form.getByRole("button", { name: "Save prices" }).click();
    await expect.poll(() => page.getByTestId("prices-status").innerText().catch(() => "")).toMatch(/^Saved/);
    const saved = await getJson<{ prices: Array<{ model: string; inputPerMillion: number }>; isDefault: boolean }>(`${url}/api/model-prices`, tenant.readKey);
    expect(saved.body.isDefault).toBe(false);
    expect(saved.body.prices.find((p) => p.model === "gpt-4o-mini")?.inputPerMillion).toBe(1);

    await openAgentTab(page, agentTrace);
    // 2,200 × $1 + 200 × $2 per million.
    expect(await page.getByTestId("agent-total-cost").innerText()).toBe("$0.0026");
  });

  it("is found by the search page's model filter", async () => {
    const { page } = tab;
    await page.goto("/search?model=gpt-4o-mini");
    await page.locator(`a[href="/trace/${agentTrace}"]`).first().waitFor();
    expect(await page.locator(`a[href="/trace/${unpricedTrace}"]`).count()).toBe(0);
    expect(await page.locator("#search-model").inputValue()).toBe("gpt-4o-mini");
  });
});
