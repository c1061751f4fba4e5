/**
 * What a person reads when something is refused, and how every page fits a phone. Sign-in, documents and settings
 * name the field, file or setting in words — no pattern, field path or error code — and the browser itself checks
 * the workspace field (its `pattern` compiles under Chromium's `v` flag). Then each page, in each state a user
 * reaches, at 390 px: nothing wider than the screen, and the Chat/Trace switch on screen.
 */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, chromiumAvailable, launchBrowser, type TestBrowser } from "./browser";

const stack = inject("browserStack");
const tenant = `words-${Date.now().toString(36)}`;
// What must never reach a reader: a regex, a request path, an internal code.
const MACHINE = /\/\^|json\.|query\.|validation_failed|unsupported_media_type|must match pattern/;

/** The page's width, with the first elements past the right edge named, so a failure says what to fix. */
async function scrollWidth(page: Page): Promise<string> {
  return page.evaluate(() => {
    const width = document.documentElement.scrollWidth;
    // Past the edge inside a box that scrolls or clips (a code block, a table) is fine: the page does not widen.
    const contained = (el: Element) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== "visible") return true;
      }
      return false;
    };
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !contained(el))
      .slice(0, 4)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
    return wide.length === 0 && width <= window.innerWidth ? "fits" : `${width}px: ${wide.join(", ")}`;
  });
}

describe.skipIf(!chromiumAvailable())("plain words and phone layout", () => {
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("checks the workspace field in the browser, and words the server's refusal without its pattern", async () => {
    await page.goto(stack.url);
    const field = page.getByLabel("Workspace (tenant)");
    await field.fill("Bad Slug");
    await page.getByLabel("Email").fill(`${tenant}@example.com`);
    await page.getByRole("button", { name: "Sign in" }).click();
    // A valid pattern is enforced: the form does not submit, so no error box and no request.
    expect(await field.evaluate((el: HTMLInputElement) => el.validity.patternMismatch)).toBe(true);
    expect(await page.locator(".error-box").count()).toBe(0);
    // The server's rule, reached without the browser's check, reads as words naming the field.
    await field.evaluate((el: HTMLInputElement) => el.removeAttribute("pattern"));
    await page.getByRole("button", { name: "Sign in" }).click();
    const box = page.locator('.error-box[data-code="validation_failed"]');
    await expect.poll(() => box.textContent()).toContain("Workspace: use 2 to 63 lowercase letters");
    expect(await box.textContent()).not.toMatch(MACHINE);
    await field.fill(tenant);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  });

  it("names the file a refused upload was, and the setting a refused value was, in words", async () => {
    await page.getByRole("link", { name: "Documents" }).click();
    const file = join(tmpdir(), `plain-${tenant}.exe`);
    await writeFile(file, "MZ not a document");
    await page.locator('input[type="file"]').setInputFiles(file);
    const refused = page.locator('.error-box[data-code="unsupported_media_type"]');
    await expect.poll(() => refused.textContent()).toContain(`“plain-${tenant}.exe”`);
    expect(await refused.textContent()).not.toMatch(MACHINE);

    // The form fills itself from the stored list when it arrives: type only after that.
    const loaded = page.waitForResponse(
      (r) => r.url().endsWith("/v1/settings/sandbox") && r.request().method() === "GET",
    );
    await page.getByRole("link", { name: "Settings" }).click();
    await loaded;
    const section = page.getByRole("region", { name: "Sandbox network" });
    await section.getByLabel(/Allowed hosts/).fill("pypi.org\nhttps://bad.example.com");
    await section.getByRole("button", { name: "Save" }).click();
    const box = section.locator(".error-box");
    await expect.poll(() => box.textContent()).toContain("Allowed hosts (line 2)");
    expect(await box.textContent()).not.toMatch(MACHINE);
  });

  it("fits every page and state into 390 px, with the Chat/Trace switch on screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const widths: Record<string, string> = {};
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByRole("region", { name: "New chat" }).waitFor();
    widths["chat (new)"] = await scrollWidth(page);

    await page
      .getByRole("textbox", { name: "Message" })
      .fill(
        "Fan out 4: What is the special magic number for wide-table mentioned in the provided text? One of the special magic numbers for wide-table is: 1234567.",
      );
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => page.locator("article.turn").last().getAttribute("data-status"), { timeout: 60_000 })
      .toBe("completed");
    widths["chat (answered)"] = await scrollWidth(page);
    const traceTab = page.getByRole("button", { name: "Trace", exact: true });
    const box = await traceTab.boundingBox();
    const onScreen = box !== null && box.x >= 0 && Math.round(box.x + box.width) <= 390;
    widths["the Trace switch"] = onScreen ? "fits" : `at ${box?.x} + ${box?.width}px`;
    await traceTab.click();
    await page.locator('.trace-row[data-kind="iteration"]').first().click();
    widths["trace (node open)"] = await scrollWidth(page);
    await page.screenshot({ path: join(ARTIFACTS, "phone-trace.png"), fullPage: true });
    await page.getByRole("button", { name: "Chat", exact: true }).click();
    widths["chat (back from trace)"] = await scrollWidth(page);

    await page.getByRole("link", { name: "Documents" }).click();
    await page.getByRole("heading", { name: "Documents" }).waitFor();
    widths.documents = await scrollWidth(page);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("region", { name: "Usage" }).getByTestId("usage-chart").waitFor();
    widths.settings = await scrollWidth(page);
    await page.goto(`${stack.url}/docs`);
    await page.waitForLoadState("load");
    widths.docs = await scrollWidth(page);
    await page.screenshot({ path: join(ARTIFACTS, "phone-docs.png"), fullPage: false });

    expect(Object.entries(widths).filter(([, w]) => w !== "fits")).toEqual([]);
  });
});
