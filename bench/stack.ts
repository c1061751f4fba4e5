/**
 * A throw-away local stack for a benchmark: database, dev sandbox server, scripted LLM and the Worker under
 * `wrangler dev`, plus an admin API key. Nothing is shared with `npm run dev`.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configureNeonForNode } from "../dev/db/migrate";
import { startLocalStack } from "../dev/stack";
import { startWorkerProcess } from "../dev/worker-process";
import { bootstrapTenant } from "../worker/auth/bootstrap";
import { type DbHandle, openDb } from "../worker/db/client";

export interface BenchStack {
  url: string;
  apiKey: string;
  tenantId: string;
  /** Origin of the scripted LLM's `/__admin` API. */
  llmAdmin: string;
  openDb(): DbHandle;
  /** Authenticated JSON request to the Worker. */
  api<T>(path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), "fleet-bench-"));
  // Sandboxes run as their own uids and must be able to traverse into their directories.
  await chmod(dataDir, 0o755);
  const env = { ...process.env, DATABASE_URL: undefined, OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined };
  const stack = await startLocalStack({ dataDir, env });
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const worker = await startWorkerProcess({ port, vars: stack.vars, persistTo: join(dataDir, "wrangler") });
  configureNeonForNode(stack.vars.NEON_WS_PROXY);
  const dbEnv = { DATABASE_URL: stack.vars.DATABASE_URL, NEON_WS_PROXY: stack.vars.NEON_WS_PROXY };
  const handle = openDb(dbEnv);
  const { apiKey, tenant } = await bootstrapTenant(handle.db, { tenantSlug: "bench", email: "bench@example.com" });
  await handle.close();
  return {
    url: worker.url,
    apiKey: apiKey.secret,
    tenantId: tenant.id,
    llmAdmin: (stack.vars.DEMO_LLM_BASE_URL as string).replace(/\/v1$/, ""),
    openDb: () => openDb(dbEnv),
    async api<T>(path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${worker.url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${apiKey.secret}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async stop() {
      await worker.stop();
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
