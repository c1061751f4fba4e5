/**
 * The browser project's stack, started once: the SPA is built (when its sources are newer than the build), then a
 * throw-away local stack from `bench/stack.ts` — PGlite, the dev sandbox server, the scripted LLM (`solver` by
 * default) and the Worker under `wrangler dev` serving `web/dist`. Tests get its URL, an admin key and the LLM's
 * admin origin through `inject`.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { build } from "vite";
import type { TestProject } from "vitest/node";
import { startBenchStack } from "../../bench/stack";
import { bounded } from "../global-setup";

declare module "vitest" {
  export interface ProvidedContext {
    browserStack: { url: string; apiKey: string; llmAdmin: string };
  }
}

const WEB = resolve(import.meta.dirname, "../../web");

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((e) => newestMtime(join(path, e))));
  return Math.max(info.mtimeMs, ...times);
}

/** Builds web/dist unless it is newer than every source (`npm test` builds it just before). */
async function ensureBuilt(): Promise<void> {
  const built = await stat(join(WEB, "dist/index.html")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newestMtime(join(WEB, "src")),
    await newestMtime(join(WEB, "index.html")),
    await newestMtime(join(WEB, "vite.config.ts")),
  );
  if (built > sources) return;
  await build({ configFile: join(WEB, "vite.config.ts"), logLevel: "warn" });
}

export default async function setup(project: TestProject) {
  await ensureBuilt();
  const stack = await startBenchStack();
  project.provide("browserStack", { url: stack.url, apiKey: stack.apiKey, llmAdmin: stack.llmAdmin });
  return () => bounded(() => stack.stop());
}
