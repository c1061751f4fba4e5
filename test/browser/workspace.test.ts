/**
 * The SPA end to end in headless Chromium against a real local stack (see global-setup.ts): sign in, chat with a
 * delegation that fans out through `llm_query_batched`, watch the trace fill in, stop a turn, reload mid-turn and
 * resume without gaps, archive and reopen, documents, API keys. The scripted LLM plays a competent agent and RLM
 * (`solver`); its latency is raised only where a turn must last long enough to be watched, stopped or reloaded.
 * All of it runs under the Worker's Content-Security-Policy, with every violation recorded.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import { ARTIFACTS, chromiumAvailable, launchBrowser, setLlmLatency, signIn, type TestBrowser } from "./browser";

const stack = inject("browserStack");
const tenant = `web-${Date.now().toString(36)}`;
/** A needle question the solver answers by fanning out exactly 8 sub-calls; the message itself is the context. */
const FAN_OUT = (key: string, value: string) =>
  `Fan out 8: What is the special magic number for ${key} mentioned in the provided text? ` +
  `One of the special magic numbers for ${key} is: ${value}.`;

/** The documents routes arrive separately; the upload test runs once they answer. */
const documentsRoute = await fetch(`${stack.url}/v1/documents`, {
  headers: { authorization: `Bearer ${stack.apiKey}` },
}).then((r) => r.status !== 404);

/** Waits until the chat shows session `id` with its socket live (not the previous session's view). */
async function waitLive(page: Page, id: string): Promise<void> {
  await page
    .locator(`.chat-layout[data-session-id="${id}"] .connection[data-state="live"]`)
    .waitFor({ timeout: 20_000 });
}

/** Opens a draft chat: nothing is stored until its first message. */
async function newChat(page: Page): Promise<void> {
  await page.getByRole("button", { name: "New chat" }).first().click();
  await page.waitForURL((url) => url.pathname === "/");
  await page.getByRole("region", { name: "New chat" }).waitFor();
}

/** Sends `text` (from a draft chat, that creates the session); returns the session's id once its socket is live. */
async function ask(page: Page, text: string): Promise<string> {
  const draft = new URL(page.url()).pathname === "/";
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  if (draft) await page.waitForURL((url) => /^\/sessions\/[0-9a-f-]{36}$/.test(url.pathname));
  const id = page.url().split("/").at(-1) as string;
  await waitLive(page, id);
  return id;
}

const lastTurn = (page: Page) => page.locator("article.turn").last();

/** Markup a model might answer with; `window.__xss` is set if any of it runs. */
const INJECTED = `<img src=x onerror="window.__xss='img'"> <script>window.__xss='script'</script>`;

/**
 * Records every CSP violation (the page's `securitypolicyviolation` events, across reloads), the console's CSP
 * errors and uncaught page errors.
 */
async function watchPolicy(browser: TestBrowser, page: Page): Promise<string[]> {
  const problems: string[] = [];
  await browser.context.exposeFunction("reportCspViolation", (v: string) => problems.push(`violation: ${v}`));
  await browser.context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      // SAFETY: exposeFunction above installed the binding on every page of the context.
      const w = window as unknown as { reportCspViolation(v: string): void };
      w.reportCspViolation(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

describe.skipIf(!chromiumAvailable())("web workspace", () => {
  let browser: TestBrowser;
  let page: Page;
  let problems: string[];
  const metrics: Record<string, number> = {};

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.context.newPage();
    problems = await watchPolicy(browser, page);
  });

  afterEach(async () => {
    await setLlmLatency(stack.llmAdmin, 0);
  });

  afterAll(async () => {
    await writeFile(join(ARTIFACTS, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
    await browser?.close();
  });

  it("signs in with dev login and renders fast", async () => {
    await signIn(page, stack.url, tenant);
    await page.reload();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      const render = performance.getEntriesByName("fleet-rlm:first-render")[0];
      return { firstRenderMs: render?.startTime ?? -1, domContentLoadedMs: nav.domContentLoadedEventEnd };
    });
    Object.assign(metrics, timing);
    expect(timing.firstRenderMs).toBeGreaterThan(0);
    expect(timing.firstRenderMs).toBeLessThan(5_000);
  });

  it("asks a question that fans out through an RLM, and shows the trace filling in and the answer", async () => {
    await newChat(page);
    await setLlmLatency(stack.llmAdmin, 250);
    await ask(page, FAN_OUT("gentle-comet", "8672192"));
    // Live: the RLM run shows while it is still running.
    await page.locator('.trace-row[data-kind="rlm"][data-status="running"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 60_000 }).toBe("completed");
    await expect.poll(() => lastTurn(page).locator(".answer").textContent()).toContain("8672192");

    const batch = page.locator('.trace-row[data-kind="batch"]');
    await expect.poll(() => batch.first().textContent()).toContain("llm_query_batched × 8");
    await batch.first().locator(".caret").click();
    await expect.poll(() => page.locator('.trace-row[data-kind="llm_call"]').count()).toBeGreaterThanOrEqual(8 + 2);
    expect(await page.locator('.trace-row[data-status="running"]').count()).toBe(0);

    await page.locator('.trace-row[data-kind="iteration"]').first().click();
    const detail = page.getByRole("region", { name: "Selected trace node" });
    await expect.poll(() => detail.textContent()).toContain("llm_query_batched");
    await expect.poll(() => detail.textContent()).toMatch(/output · [\d,]+ chars/);
    await page.getByRole("tree", { name: "Execution trace" }).focus();
    await page.keyboard.press("Home");
    await page.keyboard.press("Enter");
    await expect.poll(() => detail.locator("h3").textContent()).toMatch(/^Agent:/);
    await page.locator('.trace-row[data-kind="iteration"]').first().click();
    await page.screenshot({ path: join(ARTIFACTS, "chat-trace.png"), fullPage: false });

    await lastTurn(page).getByRole("button", { name: "Helpful", exact: true }).click();
    await lastTurn(page).getByLabel("Comment").fill("Right number.");
    await lastTurn(page).getByRole("button", { name: "Send feedback" }).click();
    await lastTurn(page).getByText("feedback saved").waitFor();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download transcript" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^[a-z0-9-]+-[0-9a-f]{8}\.md$/);
    const markdown = await readFile((await download.path()) as string, "utf8");
    expect(markdown).toContain("## 1. ");
    expect(markdown).toContain("8672192");
  });

  it("moves the budget gauge during a fan-out, never shows a negative latency, and ends matching the tree", async () => {
    await newChat(page);
    await setLlmLatency(stack.llmAdmin, 250);
    // Every DOM change is a sample: the gauge's calls (spent · reserved) while the RLM runs, and every latency.
    await page.evaluate(() => {
      const seen = { gauge: [] as string[], minLatency: Number.POSITIVE_INFINITY, samples: 0 };
      (window as unknown as { __trace: typeof seen }).__trace = seen;
      new MutationObserver(() => {
        seen.samples += 1;
        for (const el of document.querySelectorAll<HTMLElement>(".trace-row [data-ms]")) {
          seen.minLatency = Math.min(seen.minLatency, Number(el.dataset.ms));
        }
        const meter = document.querySelector<HTMLElement>(".budget .meter-value");
        // The delegated run is the fan-out: its one iteration sends the batch, then answers.
        const fanningOut = document.querySelector('.trace-row[data-kind="rlm"][data-status="running"]');
        const value = meter ? `${meter.dataset.used}/${meter.dataset.reserved}` : null;
        if (fanningOut && value && seen.gauge.at(-1) !== value) seen.gauge.push(value);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await ask(page, FAN_OUT("brisk-harbor", "5550123").replace("Fan out 8", "Fan out 128"));
    await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 90_000 }).toBe("completed");
    const seen = await page.evaluate(
      () => (window as unknown as { __trace: { gauge: string[]; minLatency: number; samples: number } }).__trace,
    );
    expect(seen.samples).toBeGreaterThan(0);
    expect(seen.gauge.length).toBeGreaterThanOrEqual(3);
    expect(seen.minLatency).toBeGreaterThanOrEqual(0);
    // Once the turn has ended nothing is reserved, and what is spent is what the tree counts.
    const meter = page.locator(".budget .meter-value").first();
    await expect.poll(() => meter.getAttribute("data-reserved")).toBe("0");
    const rootCalls = await page
      .locator('.trace-row[data-kind="agent"] .node-metrics')
      .first()
      .getAttribute("data-calls");
    expect(await meter.getAttribute("data-used")).toBe(rootCalls);
    expect(await meter.textContent()).toMatch(/^\d+ spent \/ 1000$/);

    // A sub-call's prompt and answer load when it is selected, with roles, true lengths and copy buttons.
    await page.locator('.trace-row[data-kind="batch"]').first().locator(".caret").click();
    await page.locator('.trace-row[data-kind="llm_call"]', { hasText: "llm_query_batched" }).first().click();
    const content = page.getByTestId("call-content");
    await expect
      .poll(() => content.textContent(), { timeout: 20_000 })
      .toMatch(/system message 1.*user message 2.*chars.*reply/s);
    expect(await content.getByRole("button", { name: /^Copy / }).count()).toBeGreaterThanOrEqual(2);
  });

  it.runIf(documentsRoute)(
    "finds the one sub-call of 1,000 that returned the needle with one search",
    async () => {
      const niah = makeNiah({ chars: 2_000_000, seed: 21 });
      const uploaded = await page.evaluate(async (text) => {
        const res = await fetch("/v1/documents?name=needle-1000.txt", { method: "POST", body: text });
        return res.status;
      }, niah.context);
      expect(uploaded).toBe(201);
      await newChat(page);
      await page.getByRole("button", { name: /Documents & budget/ }).click();
      await page.getByLabel(/needle-1000\.txt/).check();
      await page.getByLabel("LLM calls").fill("2000");
      await ask(page, `Fan out 1000: ${niah.question}`);
      await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 240_000 }).toBe("completed");

      await page.getByRole("searchbox", { name: /Search prompts/ }).fill(niah.value);
      await page.getByRole("combobox", { name: "Step kind" }).selectOption("llm_call");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      const hits = page.getByRole("list", { name: "Search hits" });
      const answered = hits.getByRole("button", { name: /llm_query_batched .*· reply$/ });
      await answered.first().waitFor({ timeout: 60_000 });
      expect(await answered.count()).toBe(1);
      await answered.click();
      const detail = page.getByRole("region", { name: "Selected trace node" });
      await expect.poll(() => detail.locator("h3").textContent()).toMatch(/^LLM llm_query_batched/);
      const content = page.getByTestId("call-content");
      await expect
        .poll(() => content.getByRole("region", { name: "reply" }).textContent(), { timeout: 20_000 })
        .toContain(niah.value);
      expect(await content.getByRole("region", { name: /^user message/ }).textContent()).toContain(niah.value);
      expect(await page.locator('.trace-row[aria-selected="true"]').count()).toBe(1);
    },
    300_000,
  );

  it("stops a running turn", async () => {
    await newChat(page);
    await setLlmLatency(stack.llmAdmin, 2_000);
    await ask(page, FAN_OUT("quiet-harbor", "1234567"));
    await page.locator('.trace-row[data-kind="rlm"]').waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 20_000 }).toBe("cancelled");
    await lastTurn(page)
      .getByText(/^Stopped/)
      .waitFor();
    expect(await page.locator('.trace-row[data-kind="agent"]').getAttribute("data-status")).toBe("cancelled");
    await page.getByRole("button", { name: "Send" }).waitFor();
  });

  it("resumes the trace after a reload mid-turn, with no gap and no duplicate", async () => {
    await newChat(page);
    await setLlmLatency(stack.llmAdmin, 800);
    const sessionId = await ask(page, FAN_OUT("brave-falcon", "7654321"));
    await page.locator('.trace-row[data-kind="rlm"]').waitFor({ timeout: 30_000 });
    await page.reload();
    await waitLive(page, sessionId);
    // Still running after the reload: the trace continues live from where the replay ended.
    expect(await lastTurn(page).getAttribute("data-status")).toBe("running");
    await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 60_000 }).not.toBe("running");
    expect({
      status: await lastTurn(page).getAttribute("data-status"),
      text: await lastTurn(page).textContent(),
    }).toMatchObject({ status: "completed" });
    const counter = page.getByTestId("event-counter");
    const applied = Number(await counter.getAttribute("data-applied"));
    const lastSeq = Number(await counter.getAttribute("data-last-seq"));
    const logged = await page.evaluate(async (id) => {
      const res = await fetch(`/v1/sessions/${id}/events?limit=1000`);
      return ((await res.json()) as { events: Array<{ seq: number }> }).events.map((e) => e.seq);
    }, sessionId);
    expect(applied).toBe(lastSeq);
    expect(lastSeq).toBe(logged.length);
    expect(logged.at(-1)).toBe(lastSeq);
    await expect.poll(() => page.locator('.trace-row[data-kind="batch"]').first().textContent()).toContain("× 8");
    expect(await lastTurn(page).locator(".answer").textContent()).toContain("7654321");
  });

  it("archives a session and reopens it with its history", async () => {
    const sessionId = page.url().split("/").at(-1) as string;
    const sidebar = page.getByRole("navigation", { name: "Sessions" });
    const current = sidebar.locator(`a[href="/sessions/${sessionId}"]`);
    const title = (await current.locator(".session-title").textContent()) ?? "";
    await current
      .locator("xpath=..")
      .getByRole("button", { name: `Archive ${title}` })
      .click();
    await page.getByText("This session is archived").waitFor();
    // Read only, from the event log: the whole history is still there.
    await expect.poll(() => lastTurn(page).locator(".answer").textContent()).toContain("7654321");
    await sidebar.getByLabel("Archived").check();
    await current.waitFor();
    await page.getByRole("button", { name: "Reopen to chat" }).click();
    await waitLive(page, sessionId);
    await expect.poll(() => lastTurn(page).locator(".answer").textContent()).toContain("7654321");
    await sidebar.getByLabel("Active").check();
    await current.waitFor();
  });

  it.runIf(documentsRoute)("uploads a document with progress, previews and deletes it", async () => {
    const niah = makeNiah({ chars: 400_000, seed: 7 });
    await page.getByRole("link", { name: "Documents" }).click();
    await page.getByLabel("Upload files").setInputFiles({
      name: "haystack.txt",
      mimeType: "text/plain",
      buffer: Buffer.from(niah.context),
    });
    const row = page.locator(".doc-row", { hasText: "haystack.txt" });
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.textContent()).toMatch(/KB/);
    await row.getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => row.locator(".doc-preview").textContent()).toContain("The grass is green");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      row.getByRole("button", { name: "Download haystack.txt" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("haystack.txt");
    expect(await readFile((await download.path()) as string, "utf8")).toBe(niah.context);

    await page.getByRole("link", { name: "Chat" }).click();
    await newChat(page);
    await page.getByRole("button", { name: /Documents & budget/ }).click();
    await page.getByLabel(/^haystack\.txt/).check();
    await ask(page, `Fan out 8: ${niah.question}`);
    await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 60_000 }).toBe("completed");
    expect(await lastTurn(page).locator(".answer").textContent()).toContain(niah.value);

    await page.getByRole("link", { name: "Documents" }).click();
    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: "Delete haystack.txt" }).click();
    await row.waitFor({ state: "detached" });
  });

  it("creates an API key, shows its secret once, and revokes it", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Name", { exact: true }).fill("browser test key");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-key-secret").textContent()) ?? "";
    expect(secret).toMatch(/^frk_/);
    const me = (key: string) => fetch(`${stack.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect((await me(secret)).status).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, "settings-api-key.png"), fullPage: true });
    await page.getByRole("button", { name: "I have stored it" }).click();
    expect(await page.getByTestId("new-key-secret").count()).toBe(0);

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Revoke browser test key" }).click();
    await page.getByRole("button", { name: "Revoke browser test key" }).waitFor({ state: "detached" });
    expect((await me(secret)).status).toBe(401);
  });

  it("lets an admin allow sandbox hosts, naming a bad one in plain words, and saves the list", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const section = page.getByRole("region", { name: "Sandbox network" });
    const hosts = section.getByLabel(/Allowed hosts/);
    expect(await hosts.inputValue()).toBe("");
    await hosts.fill("pypi.org\nhttps://bad.example.com");
    await section.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => section.textContent()).toContain("no scheme, port, path or IP address");
    await hosts.fill("pypi.org\n*.Example.com");
    await section.getByRole("button", { name: "Save" }).click();
    await section.getByRole("status").waitFor();
    expect(await hosts.inputValue()).toBe("*.example.com\npypi.org");
    // Stored for the workspace, not the page: a reload shows the same list.
    await page.reload();
    await expect
      .poll(() =>
        page
          .getByRole("region", { name: "Sandbox network" })
          .getByLabel(/Allowed hosts/)
          .inputValue(),
      )
      .toBe("*.example.com\npypi.org");
    await section.getByLabel(/Allowed hosts/).fill("");
    await section.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => section.getByRole("status").textContent()).toContain("no network");
  });

  it("adds an LLM profile and tests it, sets default budgets, creates webhook endpoints, and charts usage", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const profiles = page.getByRole("region", { name: "LLM profiles" });
    await profiles.getByLabel("Profile name").fill("Local scripted");
    await profiles.getByLabel("Base URL").fill(`${stack.llmAdmin}/v1`);
    await profiles.getByLabel("Planner model", { exact: true }).fill("solver");
    await profiles.getByLabel("Default for new runs").check();
    await profiles.getByRole("button", { name: "Add profile" }).click();
    const card = profiles.locator(".profile-card", { hasText: "Local scripted" });
    await card.waitFor();
    expect(await card.textContent()).toContain("default");
    await card.getByRole("button", { name: "Test connection of Local scripted" }).click();
    const outcome = card.locator(".test-result");
    await outcome.waitFor({ timeout: 30_000 });
    expect(await outcome.getAttribute("data-ok")).toBe("true");
    expect(await outcome.textContent()).toMatch(/Connected: .*solver.* answered in \d+ ms/);

    // A key is write-only: after saving, only its hint comes back.
    await card.getByRole("button", { name: "Edit Local scripted" }).click();
    await profiles.getByLabel(/^API key/).fill("sk-proj-browsertest0123456789wxyz");
    await profiles.getByRole("button", { name: "Save profile" }).click();
    await expect.poll(() => card.textContent()).toContain("sk-proj-…wxyz");
    expect(await page.content()).not.toContain("browsertest0123456789");

    const budgets = page.getByRole("region", { name: "Default budgets" });
    await budgets.getByLabel("Default LLM calls per message").fill("42");
    await budgets.getByRole("button", { name: "Save defaults" }).click();
    await budgets.getByText("Saved").waitFor();

    const hooks = page.getByRole("region", { name: "Webhooks" });
    await hooks.getByLabel("Endpoint name").fill("issues");
    await hooks.getByLabel(/^Query template/).fill("Summarise {{/issue/title}}");
    await hooks.getByRole("button", { name: "Create endpoint" }).click();
    const inboundSecret = (await hooks.getByTestId("new-webhook-secret").textContent()) ?? "";
    expect(inboundSecret).toMatch(/^whsec_/);
    await hooks.getByRole("button", { name: "I have stored it" }).click();
    const inbound = hooks.locator(".endpoint-card", { hasText: "issues" });
    expect(await inbound.textContent()).toMatch(/\/v1\/hooks\/[0-9a-f-]{36}/);
    await inbound.getByRole("button", { name: "Reveal the secret of issues" }).click();
    await expect.poll(() => inbound.getByTestId("revealed-secret").textContent()).toBe(inboundSecret);

    await hooks.getByLabel("Outbound: receives results").check();
    await hooks.getByLabel("Endpoint name").fill("results");
    await hooks.getByLabel("Receiver URL").fill("https://example.com/hooks/fleet");
    await hooks.getByRole("button", { name: "Create endpoint" }).click();
    await hooks.getByTestId("new-webhook-secret").waitFor();
    await hooks.getByRole("button", { name: "I have stored it" }).click();
    const outbound = hooks.locator(".endpoint-card", { hasText: "results" });
    await outbound.getByRole("button", { name: "Show deliveries" }).click();
    await outbound.getByText("No deliveries yet.").waitFor();

    // The chats above used the model, so today has usage.
    const usage = page.getByRole("region", { name: "Usage" });
    await usage.getByTestId("usage-chart").waitFor();
    await expect.poll(() => usage.getByTestId("usage-totals").textContent()).toMatch(/^[1-9][\d,]* LLM calls/);
    expect(await usage.locator(".bar.prompt").count()).toBe(30);
    // The scripted model answered every chat above: it leads the breakdown by model.
    const byModel = usage.getByTestId("usage-by-model");
    await expect.poll(() => byModel.locator("tbody tr").first().locator("td").first().textContent()).toBe("solver");
    await usage.getByLabel("Day", { exact: true }).focus();
    await expect.poll(() => usage.locator(".usage-readout").textContent()).toMatch(/\d{4}-\d\d-\d\d: .* LLM calls/);
    await page.getByLabel("7 days").check();
    await expect.poll(() => usage.locator(".bar.prompt").count()).toBe(7);
    await page.screenshot({ path: join(ARTIFACTS, "settings.png"), fullPage: true });

    // The composer starts from the saved default budget.
    await page.getByRole("link", { name: "Chat" }).click();
    await newChat(page);
    await page.getByRole("button", { name: /Documents & budget/ }).click();
    expect(await page.getByLabel("LLM calls", { exact: true }).inputValue()).toBe("42");
  });

  it("ran everything above under the CSP with no violation, and no markup in an answer runs", async () => {
    expect(problems).toEqual([]);
    await newChat(page);
    await ask(page, INJECTED);
    // The demo model declines (quoting the question): the markup is shown, as text, in the not-answered notice.
    await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 60_000 }).toBe("failed");
    const answer = lastTurn(page).locator(".error-box");
    await expect.poll(() => answer.textContent()).toContain(`onerror="window.__xss='img'"`);
    expect(await answer.locator("img, script").count()).toBe(0);
    // Were the renderer ever to let markup through, the CSP stops it: inline handlers and inline scripts are refused.
    await answer.evaluate((el, html) => {
      el.insertAdjacentHTML("beforeend", html.replace("src=x", "src=/missing.png"));
      const script = document.createElement("script");
      script.textContent = "window.__xss = 'inline script'";
      el.append(script);
    }, INJECTED);
    await expect
      .poll(() => problems.filter((p) => p.startsWith("violation:")).sort())
      .toEqual(["violation: script-src-attr inline", "violation: script-src-elem inline"]);
    expect(await page.evaluate(() => "__xss" in window)).toBe(false);
  });

  it("signs in with a pasted API key, on a phone-sized dark screen", async () => {
    const phone = await launchBrowser({ colorScheme: "dark" });
    try {
      const tab = await phone.context.newPage();
      await tab.setViewportSize({ width: 390, height: 844 });
      await tab.goto(stack.url);
      await tab.getByRole("textbox", { name: "API key" }).fill(stack.apiKey);
      await tab.getByRole("button", { name: "Use this key" }).click();
      await tab.getByRole("navigation", { name: "Main" }).waitFor();
      await newChat(tab);
      const background = await tab.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe("rgb(20, 22, 26)");
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await tab.screenshot({ path: join(ARTIFACTS, "phone-dark.png") });
      await tab.getByRole("link", { name: "Settings" }).click();
      await tab.getByRole("region", { name: "Usage" }).getByTestId("usage-chart").waitFor();
      const wide = await tab.evaluate(() =>
        [...document.querySelectorAll("main *")]
          // Tables scroll inside their own box; anything else past the edge widens the page.
          .filter((el) => !el.closest(".table-scroll") && el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
      );
      expect(wide).toEqual([]);
      await tab.screenshot({ path: join(ARTIFACTS, "settings-phone-dark.png"), fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
