/**
 * A throw-away local stack for a benchmark: database, dev sandbox server, scripted LLM and the Worker under
 * `wrangler dev`, plus an admin API key. Nothing is shared with `npm run dev`.
 *
 * Two artefacts of local development are switched off, because they cost the Worker time that a deployed Worker
 * never spends and would be billed to the code under test:
 * - durable writes: every Durable Object SQLite commit under `wrangler dev` is an `fsync` on workerd's one event-loop
 *   thread (2 ms median, 5 ms p95 on the development VM's disk, twice per RLM iteration for the budget), so the stack
 *   lives in tmpfs when there is one (`/dev/shm`); a benchmark's data is deleted afterwards anyway;
 * - wrangler's local observability: it streams every event of the Worker to a trace collector running in the same
 *   workerd, which took over a third of workerd's CPU per RLM iteration (`X_LOCAL_OBSERVABILITY=false` turns it off).
 */
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { createFleetClient, type FleetClient } from "../client/src/index";
import { configureNeonForNode } from "../dev/db/migrate";
import { type Latency, NO_LATENCY } from "../dev/sandbox-server/index";
import { startLocalStack } from "../dev/stack";
import { startWorkerProcess } from "../dev/worker-process";
import { bootstrapTenant } from "../worker/auth/bootstrap";
import { type DbHandle, openDb } from "../worker/db/client";
import { tenants } from "../worker/db/schema";

/** A running benchmark stack and what a benchmark needs to drive it. */
export interface BenchStack {
  url: string;
  apiKey: string;
  tenantId: string;
  /** Origin of the scripted LLM's `/__admin` API; empty when the stack runs against an external endpoint. */
  llmAdmin: string;
  openDb(): DbHandle;
  /** The typed API client, authenticated with {@link BenchStack.apiKey}. */
  client: FleetClient;
  stop(): Promise<void>;
}

/** Memory-backed scratch space on Linux; elsewhere the ordinary temporary directory. */
const SCRATCH_DIR = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

/** An OpenAI-compatible endpoint for the Worker's runs instead of the scripted model. */
export interface BenchLlmEndpoint {
  /** Ends in `/v1`, as `OPENAI_BASE_URL` does. */
  baseUrl: string;
  apiKey?: string;
  /** The default planner and delegate model (`OPENAI_MODEL`). */
  model: string;
}

/** Options of {@link startBenchStack}; every field is optional, so `startBenchStack()` keeps its old meaning. */
export interface BenchStackOptions {
  /** Route the Worker's runs to this endpoint; without it the stack's scripted `solver` model serves them. */
  llm?: BenchLlmEndpoint;
  /**
   * The bench tenant's plan; defaults to the plan a new tenant gets (`free`). `enterprise` (6,000 requests a minute,
   * 200 concurrent tasks, no monthly spend ceiling) keeps the product's quotas out of a measurement: the free plan's
   * 120 requests a minute refuse a capability run's polling, and `bench:ws` at its 32-session step.
   */
  plan?: "free" | "team" | "enterprise";
  /** Extra Worker settings, e.g. `{ LLM_RELAY: "off" }` to measure calls made straight from the run's object. */
  vars?: Record<string, string>;
  /** Latency the dev sandbox server adds (default none; `CLOUD_LATENCY` is Daytona-like). */
  sandboxLatency?: Latency;
}

/**
 * Starts every piece; `stop` removes all of it. With `options.llm` no scripted model is started and
 * {@link BenchStack.llmAdmin} is the empty string.
 */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(SCRATCH_DIR, "fleet-bench-"));
  // Sandboxes run as their own uids and must be able to traverse into their directories.
  await chmod(dataDir, 0o755);
  const env = {
    ...process.env,
    DATABASE_URL: undefined,
    OPENAI_API_KEY: options.llm?.apiKey,
    OPENAI_BASE_URL: options.llm?.baseUrl,
    OPENAI_MODEL: options.llm?.model,
  };
  // DESIGN §6's bars are for the local stack: no cloud-like latency added to the sandboxes unless asked for.
  const stack = await startLocalStack({ dataDir, env, sandboxLatency: options.sandboxLatency ?? NO_LATENCY });
  const port = 18_000 + Math.floor(Math.random() * 1000);
  // Read by wrangler from its environment, which the Worker processes inherit. The second skips downloading
  // `request.cf` data, which a benchmark never reads (and this machine may be offline).
  process.env.X_LOCAL_OBSERVABILITY = "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  const worker = await startWorkerProcess({
    port,
    vars: { ...stack.vars, ...options.vars },
    persistTo: join(dataDir, "wrangler"),
  });
  configureNeonForNode(stack.vars.NEON_WS_PROXY);
  const dbEnv = { DATABASE_URL: stack.vars.DATABASE_URL, NEON_WS_PROXY: stack.vars.NEON_WS_PROXY };
  const handle = openDb(dbEnv);
  const { apiKey, tenant } = await bootstrapTenant(handle.db, { tenantSlug: "bench", email: "bench@example.com" });
  if (options.plan) await handle.db.update(tenants).set({ plan: options.plan }).where(eq(tenants.id, tenant.id));
  await handle.close();
  return {
    url: worker.url,
    apiKey: apiKey.secret,
    tenantId: tenant.id,
    llmAdmin: (stack.vars.DEMO_LLM_BASE_URL ?? "").replace(/\/v1$/, ""),
    openDb: () => openDb(dbEnv),
    client: createFleetClient({ baseUrl: worker.url, apiKey: apiKey.secret }),
    async stop() {
      await worker.stop();
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
