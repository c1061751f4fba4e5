/**
 * `npm run dev`: the whole product on this machine, offline. Starts the local stack, builds the SPA if it has never
 * been built, runs the Worker under `wrangler dev` with the stack's bindings, and prints one URL once `/ready`
 * answers. Ctrl-C stops everything; data persists under `.data/`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { DATA_DIR, recordDevStack } from "./local-database";
import { startLocalStack } from "./stack";
import { spawnWorkerProcess, type WorkerProcess } from "./worker-process";
import { SECRET_SETTINGS } from "./worker-settings";

const root = resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const stack = await startLocalStack({ dataDir: DATA_DIR, env: process.env });
const forgetStack = await recordDevStack({
  pid: process.pid,
  connectionString: stack.vars.DATABASE_URL as string,
  wsProxy: stack.vars.NEON_WS_PROXY as string,
});

let worker: WorkerProcess | null = null;
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  await worker?.stop();
  await forgetStack();
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  if (!existsSync(resolve(root, "web/dist/index.html"))) await run("npm", ["run", "build"]);
  // Known to `shutdown` before it is ready: a stop while the Worker boots must not leave wrangler running.
  const spawned = await spawnWorkerProcess({
    port,
    vars: stack.vars,
    persistTo: resolve(DATA_DIR, "wrangler"),
    onOutput: (text, stream) => (stream === "stdout" ? process.stdout : process.stderr).write(redact(text)),
  });
  worker = spawned;
  await spawned.ready;
  spawned.child.on("exit", (code) => {
    if (!stopping) {
      console.error(`wrangler dev exited (${code}); stopping the local stack`);
      void shutdown(code ?? 1);
    }
  });
  console.log(`\n  fleet-rlm is running at ${spawned.url}\n`);
  for (const line of stack.describe) console.log(`  ${line}`);
  console.log("\n  Ctrl-C stops everything; data stays in .data/\n");
} catch (err) {
  console.error(`\n  could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
}

/** A Worker's error log may quote a credential (a connection string, a header); it stays off the terminal. */
function redact(text: string): string {
  let out = text;
  for (const [name, value] of Object.entries(stack.vars)) {
    if (SECRET_SETTINGS.has(name) && value.length > 0) out = out.replaceAll(value, "(hidden)");
  }
  return out;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? resolveRun() : reject(new Error(`${command} exited ${code}`))));
  });
}
