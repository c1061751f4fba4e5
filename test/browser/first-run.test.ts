/**
 * A newcomer's first minutes with no LLM configured (the stack serves only the scripted demo model): the workspace
 * says so in the empty chat, the composer and settings; the one-click demo tasks upload their documents and fan out
 * for real; the demo understands everyday wordings; and a question it cannot do is shown as not answered, with what
 * to do about it. Screenshots of the path at 1440 and 390 px go to the artifacts directory.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoTasks } from "../../web/src/chat/demo-tasks";
import { ARTIFACTS, chromiumAvailable, launchBrowser, signIn, type TestBrowser } from "./browser";

const stack = inject("browserStack");
const tenant = `first-${Date.now().toString(36)}`;
const [needle, counting] = demoTasks();

const lastTurn = (page: Page) => page.locator("article.turn").last();

async function waitForSession(page: Page): Promise<string> {
  await page.waitForURL((url) => /^\/sessions\/[0-9a-f-]{36}$/.test(url.pathname), { timeout: 30_000 });
  const id = page.url().split("/").at(-1) as string;
  await page.locator(`.chat-layout[data-session-id="${id}"] .connection[data-state="live"]`).waitFor();
  return id;
}

async function settled(page: Page): Promise<string | null> {
  await expect.poll(() => lastTurn(page).getAttribute("data-status"), { timeout: 90_000 }).not.toBe("running");
  return lastTurn(page).getAttribute("data-status");
}

describe.skipIf(!chromiumAvailable())("first run with the demo model only", () => {
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, stack.url, tenant);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("says in the empty chat and the composer that only the demo model answers, and stores no session yet", async () => {
    const panel = page.getByRole("region", { name: "New chat" });
    await expect.poll(() => panel.locator('.notice[data-llm-source="demo"]').textContent()).toMatch(/demo model/);
    expect(await panel.locator('.model-note[data-llm-source="demo"]').textContent()).toBe(
      "Demo model: demo tasks only",
    );
    expect(await panel.getByRole("button", { name: /^Try:/ }).count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, "first-run-1440.png") });
    const sessions = await page.evaluate(
      async () => (await (await fetch("/v1/sessions?status=active")).json()).sessions,
    );
    expect(sessions).toEqual([]);
  });

  it("runs the needle demo in one click: upload, fan-out, the right number", async () => {
    await page.getByRole("button", { name: /^Try: Find a needle/ }).click();
    await waitForSession(page);
    expect(await settled(page)).toBe("completed");
    expect(await lastTurn(page).locator(".answer").textContent()).toContain(needle?.expected);
    expect(await lastTurn(page).textContent()).toContain("With demo-haystack.txt");
    await expect
      .poll(() => page.locator('.trace-row[data-kind="batch"]').first().textContent())
      .toMatch(/llm_query_batched × \d+/);
    await page.screenshot({ path: join(ARTIFACTS, "first-run-needle-1440.png") });
  });

  it("answers a needle question in everyday words about the file", async () => {
    await page.getByRole("button", { name: /Documents & budget/ }).click();
    await page.getByLabel(/^demo-haystack\.txt/).check();
    await page.getByRole("textbox", { name: "Message" }).fill("What's the magic number for gentle-comet in the file?");
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => page.locator("article.turn").count()).toBe(2);
    expect(await settled(page)).toBe("completed");
    expect(await lastTurn(page).locator(".answer").textContent()).toContain(needle?.expected);
  });

  it("runs the counting demo and gets the count the document holds", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByRole("button", { name: /^Try: Count labelled lines/ }).click();
    await waitForSession(page);
    expect(await settled(page)).toBe("completed");
    expect(await lastTurn(page).locator(".answer").textContent()).toContain(`Answer: ${counting?.expected}`);
  });

  it("shows a question the demo cannot do as not answered, naming the demo model and how to add a real one", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByRole("textbox", { name: "Message" }).fill("What is the capital of France?");
    await page.getByRole("button", { name: "Send" }).click();
    await waitForSession(page);
    expect(await settled(page)).toBe("failed");
    const turn = lastTurn(page);
    expect(await turn.locator(".not-answered").textContent()).toBe("Not answered.");
    expect(await turn.locator(".answer").count()).toBe(0);
    const box = turn.locator('.error-box[data-code="model_declined"]');
    expect(await box.textContent()).toContain("I am the demo model");
    expect(await box.textContent()).toContain("Settings → LLM profiles");
    expect(await turn.getByRole("button", { name: "Helpful", exact: true }).count()).toBe(0);
  });

  it("keeps mode, documents and budget across a reload and a session switch, restoring turns without the empty state", async () => {
    const here = page.url();
    await page.getByLabel("Mode").selectOption("tools");
    await page.getByRole("button", { name: /Documents & budget/ }).click();
    await page.getByLabel(/^demo-haystack\.txt/).check();
    await page.getByLabel("LLM calls", { exact: true }).fill("33");
    // Records whether the empty-conversation prompt is ever drawn while the reloaded session restores its turns.
    await page.addInitScript(() => {
      const w = window as unknown as { __sawEmpty?: boolean };
      new MutationObserver(() => {
        if (document.body?.textContent?.includes("Ask a question to start")) w.__sawEmpty = true;
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    await page.reload();
    await waitForSession(page);
    await expect.poll(() => page.locator("article.turn").count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { __sawEmpty?: boolean }).__sawEmpty ?? false)).toBe(false);
    const kept = async () => {
      if ((await page.getByLabel("LLM calls", { exact: true }).count()) === 0) {
        await page.getByRole("button", { name: /Documents & budget/ }).click();
      }
      return {
        mode: await page.getByLabel("Mode").inputValue(),
        calls: await page.getByLabel("LLM calls", { exact: true }).inputValue(),
        doc: await page.getByLabel(/^demo-haystack\.txt/).isChecked(),
      };
    };
    expect(await kept()).toEqual({ mode: "tools", calls: "33", doc: true });
    const sidebar = page.getByRole("navigation", { name: "Sessions" });
    await sidebar.getByRole("link").filter({ hasNotText: "capital of France" }).first().click();
    await waitForSession(page);
    expect(await page.getByLabel("Mode").inputValue()).toBe("rlm");
    await page.goto(here);
    await waitForSession(page);
    expect(await kept()).toEqual({ mode: "tools", calls: "33", doc: true });
  });

  it("names the user, workspace and plan in the header, and dates each session with its full title on hover", async () => {
    const who = page.locator(".app-header .whoami");
    expect(await who.textContent()).toBe(`${tenant}@example.com${tenant} · free`);
    const link = page.getByRole("navigation", { name: "Sessions" }).getByRole("link", { name: /capital of France/ });
    expect(await link.getAttribute("title")).toMatch(/^What is the capital of France\?\nLast active /);
    expect(await link.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("tells the truth in settings about what a run will use", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const note = page.locator('#llm-profiles [data-llm-source="demo"]');
    await expect.poll(() => note.textContent()).toMatch(/No LLM endpoint is configured: runs use the demo model/);
    expect(await page.locator("#llm-profiles").textContent()).not.toContain("runs use the server's endpoint");
  });

  it("shows the same first run on a phone, with nothing wider than the screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByRole("button", { name: "New chat" }).click();
    await page.locator('.notice[data-llm-source="demo"]').waitFor();
    await page.locator('.model-note[data-llm-source="demo"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, "first-run-390.png"), fullPage: true });
  });

  it("names a broken default profile and its endpoint in the turn's error, and settings says runs use it", async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const baseUrl = `${stack.llmAdmin}/v1`;
    // A script queue nobody filled: the endpoint answers every call with a 400, as a misconfigured profile would.
    const created = await page.evaluate(
      async (body) =>
        (
          await fetch("/v1/llm-profiles", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          })
        ).status,
      {
        name: "broken",
        baseUrl,
        plannerModel: "scripted:nobody-filled-this",
        delegateModel: "scripted:nobody",
        isDefault: true,
      },
    );
    expect(created).toBe(201);
    await page.getByRole("link", { name: "Settings" }).click();
    await expect
      .poll(() => page.locator('#llm-profiles [data-llm-source="profile"]').textContent())
      .toContain("Runs use your default LLM profile “broken”");
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByRole("textbox", { name: "Message" }).fill("hello");
    await page.getByRole("button", { name: "Send" }).click();
    await waitForSession(page);
    expect(await settled(page)).toBe("failed");
    const box = lastTurn(page).locator(".error-box");
    expect(await box.textContent()).toContain(`LLM profile “broken” (${baseUrl})`);
  });
});
