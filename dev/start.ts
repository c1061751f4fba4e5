/**
 * `npm run dev`: the whole product on this machine, offline. Starts the local stack, builds the SPA if it has never
 * been built, runs `wrangler dev` with the stack's bindings, and prints one URL once `/ready` answers. Ctrl-C stops
 * everything; data persists under `.data/`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { DATA_DIR, recordDevStack } from "./local-database";
import { startLocalStack } from "./stack";

const root = resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const stack = await startLocalStack({ dataDir: DATA_DIR, env: process.env });
const forgetStack = await recordDevStack({
  pid: process.pid,
  connectionString: stack.vars.DATABASE_URL as string,
  wsProxy: stack.vars.NEON_WS_PROXY as string,
});

if (!existsSync(resolve(root, "web/dist/index.html"))) {
  await run("npm", ["run", "build"]);
}

const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", ".data/wrangler"];
for (const [name, value] of Object.entries(stack.vars)) args.push("--var", `${name}:${value}`);
const wrangler = spawn("npx", args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
wrangler.stdout.on("data", (chunk: Buffer) => process.stdout.write(redact(chunk.toString())));
wrangler.stderr.on("data", (chunk: Buffer) => process.stderr.write(redact(chunk.toString())));

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (wrangler.pid && wrangler.exitCode === null) {
    try {
      process.kill(-wrangler.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  await forgetStack();
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
wrangler.on("exit", (code) => {
  if (!stopping) {
    console.error(`wrangler dev exited (${code}); stopping the local stack`);
    void shutdown(code ?? 1);
  }
});

const url = `http://127.0.0.1:${port}`;
if (await waitForReady(`${url}/ready`, 90_000)) {
  console.log(`\n  fleet-rlm is running at ${url}\n`);
  for (const line of stack.describe) console.log(`  ${line}`);
  console.log("\n  Ctrl-C stops everything; data stays in .data/\n");
} else {
  console.error(`\n  ${url}/ready did not answer within 90 s; see the wrangler output above\n`);
}

async function waitForReady(readyUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/** wrangler echoes `--var` values; secrets stay off the terminal. */
function redact(text: string): string {
  let out = text;
  for (const [name, value] of Object.entries(stack.vars)) {
    if (/SECRET|KEY|DATABASE_URL/.test(name) && value.length > 0) out = out.replaceAll(value, "(hidden)");
  }
  return out;
}

function run(command: string, commandArgs: string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? resolveRun() : reject(new Error(`${command} exited ${code}`))));
  });
}
