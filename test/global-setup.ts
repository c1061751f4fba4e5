/**
 * Starts what the Worker tests talk to — databases, the dev sandbox server and the scripted LLM — and hands its coordinates to the workerd pools through `provide`: a migrated
 * embedded PGlite, and — when PostgreSQL is installed or `DATABASE_URL` names one — a migrated real PostgreSQL, each
 * behind the Neon-style WebSocket proxy. Runs once in the root Node process, outside any Worker project's resolver.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type LocalDatabase, startLocalDatabase } from "../dev/database";
import { startRealPostgres } from "../dev/db/real-postgres";
import { startScriptedLlm } from "../dev/llm/index";
import { startOtlpReceiver } from "../dev/otlp-receiver";
import { NO_LATENCY, startSandboxServer } from "../dev/sandbox-server/index";
import { replSnapshot } from "../dev/snapshot/fleet-repl";
import { startWebhookReceiver } from "../dev/webhook-receiver";

export interface TestDatabase {
  url: string;
  wsProxy: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    embeddedDatabase: TestDatabase;
    /**
     * A database of its own that accepts only {@link BURST_MAX_CONNECTIONS} connections, for the connection-exhaustion
     * test: exhausting the shared one would fail the suites running beside it.
     */
    burstDatabase: TestDatabase;
    postgresDatabase: TestDatabase | null;
    /** `snapshot`: the name the REPL snapshot (`dev/snapshot/fleet-repl.ts`) is offered under; `staleSnapshot` holds another server version. */
    sandboxApi: { apiUrl: string; apiKey: string; isolation: string; snapshot: string; staleSnapshot: string };
    /** The scripted OpenAI-compatible server: `url` ends in `/v1`; `origin` serves `/__admin/*`. */
    llmApi: { url: string; origin: string; apiKey: string };
    /** A local webhook receiver that records deliveries and fails on request. */
    receiverUrl: string;
    /** A local OTLP/HTTP trace receiver (the Worker's `OTEL_EXPORTER_OTLP_ENDPOINT`). */
    otlpUrl: string;
  }
}

/** Few enough that a burst of 150 requests runs out, enough that some of them are served. */
export const BURST_MAX_CONNECTIONS = 8;

export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];
  const embedded: LocalDatabase = await startLocalDatabase();
  stops.push(() => embedded.stop());
  project.provide("embeddedDatabase", { url: embedded.connectionString, wsProxy: embedded.wsProxy });
  const burst = await startLocalDatabase({ maxConnections: BURST_MAX_CONNECTIONS });
  stops.push(() => burst.stop());
  project.provide("burstDatabase", { url: burst.connectionString, wsProxy: burst.wsProxy });

  let postgres: TestDatabase | null = null;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const server = await startRealPostgres();
    if (server) {
      url = server.connectionString;
      stops.push(() => server.stop());
    } else if (process.env.CI === "true") {
      throw new Error("CI needs PostgreSQL for the data-layer tests: install the Debian package `postgresql`");
    }
  }
  if (url) {
    const real = await startLocalDatabase({ url });
    stops.unshift(() => real.stop());
    postgres = { url: real.connectionString, wsProxy: real.wsProxy };
  }
  project.provide("postgresDatabase", postgres);

  const sandboxRoot = await mkdtemp(join(tmpdir(), "fleet-sandboxes-"));
  // Sandboxes run as their own uids and must be able to traverse into their directories.
  await chmod(sandboxRoot, 0o755);
  const apiKey = `test-${crypto.randomUUID()}`;
  // Generous: suites run in parallel, and every session that ran `execute_code` keeps its sandbox (no auto-delete here).
  const repl = replSnapshot();
  const staleSnapshot = "fleet-repl-stale";
  const sandboxes = await startSandboxServer({
    root: sandboxRoot,
    apiKey,
    maxSandboxes: 256,
    latency: NO_LATENCY,
    snapshots: {
      [repl.name]: repl.files,
      [staleSnapshot]: Object.fromEntries(Object.keys(repl.files).map((p) => [p, "raise SystemExit('old server')\n"])),
    },
  });
  stops.unshift(async () => {
    await sandboxes.stop();
    await rm(sandboxRoot, { recursive: true, force: true });
  });
  project.provide("sandboxApi", {
    apiUrl: sandboxes.apiUrl,
    apiKey,
    isolation: sandboxes.isolation,
    snapshot: repl.name,
    staleSnapshot,
  });

  const llmKey = `sk-test-${crypto.randomUUID()}`;
  const llm = await startScriptedLlm({ apiKey: llmKey, mode: "solver", acceptAnyModel: true });
  stops.unshift(() => llm.stop());
  project.provide("llmApi", { url: llm.url, origin: llm.origin, apiKey: llmKey });

  const receiver = await startWebhookReceiver();
  stops.unshift(() => receiver.stop());
  project.provide("receiverUrl", receiver.url);

  const otlp = await startOtlpReceiver();
  stops.unshift(() => otlp.stop());
  project.provide("otlpUrl", otlp.url);

  return async () => {
    for (const stop of stops) await bounded(stop);
  };
}

/**
 * How long one teardown step may take. A server whose `close` waits on a connection a test left open would
 * otherwise keep vitest alive after every test has passed (and CI until its timeout); the step is named and skipped.
 */
const STOP_BOUND_MS = 20_000;

/** Runs one teardown step, giving up (with a line saying which) after {@link STOP_BOUND_MS}. */
export async function bounded(stop: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`[global-setup] a teardown step did not finish in ${STOP_BOUND_MS} ms: ${stop.toString()}`);
      resolve();
    }, STOP_BOUND_MS);
  });
  try {
    await Promise.race([stop().catch((err: unknown) => console.error("[global-setup] teardown failed:", err)), gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}
