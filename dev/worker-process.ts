/**
 * Runs the Worker under `wrangler dev` with the given bindings and waits for `/ready`. Shared by `npm run dev` and
 * the benchmarks, so both exercise the Worker exactly as deployed code runs locally.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { writeVarsFile } from "./worker-vars-file";

export interface WorkerProcess {
  url: string;
  /** The supervisor around wrangler (see `worker-supervisor.ts`): it exits with wrangler's exit code. */
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  port: number;
  vars: Record<string, string>;
  /** Where wrangler keeps local Durable Object and R2 state. */
  persistTo: string;
  /** Receives wrangler's output (default: discarded). */
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
  readyTimeoutMs?: number;
}

const ROOT = resolve(import.meta.dirname, "..");
const SUPERVISOR = resolve(import.meta.dirname, "worker-supervisor.ts");

/** Fails with a clear message when something already listens on `port`: it would answer `/ready` in our place. */
export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`port ${port} is already in use (another \`npm run dev\`?): stop it, or set PORT`)
          : err,
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolvePort()));
  });
}

/** A started `wrangler dev` whose `/ready` may not answer yet; `ready` settles when it does (or it gave up). */
export interface SpawnedWorkerProcess extends WorkerProcess {
  ready: Promise<void>;
}

/** The supervisor waits up to 5 s for the group after SIGTERM; this leaves it time to finish. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts `wrangler dev` and returns at once, so a caller that is stopped while the Worker boots can still stop it.
 * The bindings go in a private vars file, never on a command line; wrangler runs under `worker-supervisor.ts`, which
 * stops it and workerd when this process exits in any way, SIGKILL included. `ready` rejects, after stopping it,
 * when `/ready` never answers.
 */
export async function spawnWorkerProcess(options: WorkerProcessOptions): Promise<SpawnedWorkerProcess> {
  await assertPortFree(options.port);
  const varsFile = await writeVarsFile(options.vars);
  const wrangler = [
    "npx",
    "wrangler",
    "dev",
    "--port",
    String(options.port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    options.persistTo,
    "--env-file",
    varsFile.path,
  ];
  // wrangler's local trace collector runs inside the same workerd and took a third of its CPU per RLM iteration;
  // the `request.cf` download needs the internet, which a local stack must not.
  const env = { ...process.env, X_LOCAL_OBSERVABILITY: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  // Its own process group, so a Ctrl-C meant for `npm run dev` reaches wrangler only through the caller's `stop`.
  // Its stdin is the pipe whose closing tells it this process is gone.
  const child = spawn(process.execPath, ["--import", "tsx", SUPERVISOR, varsFile.dir, ...wrangler], {
    cwd: ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  // Written to only by closing it; a supervisor that already exited must not turn that into an uncaught EPIPE.
  child.stdin?.on("error", () => {});
  // The last of its output, so a wrangler that exits before it is ready says why.
  let tail = "";
  const record = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4_000);
    options.onOutput?.(chunk.toString(), stream);
  };
  child.stdout?.on("data", record("stdout"));
  child.stderr?.on("data", record("stderr"));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS))]);
    }
    // The supervisor removes it too; this covers a supervisor that never started.
    await rm(varsFile.dir, { recursive: true, force: true });
  };
  const waitReady = async () => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${tail}`);
      try {
        const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${url}/ready did not answer in time`);
  };
  const ready = waitReady().catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url, child, stop, ready };
}

/** Starts `wrangler dev` and waits for `/ready`. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const worker = await spawnWorkerProcess(options);
  await worker.ready;
  return worker;
}
