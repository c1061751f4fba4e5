/**
 * Headless Chromium for the browser tests: the system's `/usr/bin/chromium` driven by playwright-core (never a
 * downloaded browser), a fresh profile directory per launch. Without Chromium the suite is skipped locally and fails
 * in CI, where it must run.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Where the system package installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";
/** Screenshots and measurements, kept out of git. */
export const ARTIFACTS = resolve(import.meta.dirname, "artifacts");

/** True when the suite can run; throws in CI when Chromium is missing, so the gap is never silent there. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === "true") {
    throw new Error(`CI needs Chromium for the browser tests: install the Debian package 'chromium' (${CHROMIUM})`);
  }
  console.warn(`[browser] ${CHROMIUM} not found: browser tests skipped (apt-get install chromium)`);
  return false;
}

/** A running browser with its own throw-away profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium headless with a fresh `--user-data-dir`. */
export async function launchBrowser(options: { colorScheme?: "light" | "dark" } = {}): Promise<TestBrowser> {
  await mkdir(ARTIFACTS, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), "fleet-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    viewport: { width: 1400, height: 900 },
    colorScheme: options.colorScheme ?? "light",
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the dev-login form of the sign-in screen. */
export async function signIn(page: Page, url: string, tenant: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Workspace (tenant)").fill(tenant);
  await page.getByLabel("Email").fill(`${tenant}@example.com`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

/** Sets the scripted LLM's added latency per reply, to make a turn last long enough to watch, stop or reload. */
export async function setLlmLatency(llmAdmin: string, latencyMs: number): Promise<void> {
  const res = await fetch(`${llmAdmin}/__admin/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ latencyMs }),
  });
  if (!res.ok) throw new Error(`could not configure the scripted LLM: ${res.status}`);
}
