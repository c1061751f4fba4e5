/**
 * The watchdog between `npm run dev` (or a benchmark) and `wrangler dev`, started by `spawnWorkerProcess` as
 * `worker-supervisor <vars-dir> <command> [args…]`. It runs the command in a process group of its own, and when its
 * stdin — a pipe only the parent holds — closes, it stops that whole group (wrangler and the workerd it starts) and
 * removes `<vars-dir>`. The pipe closes on a normal stop and equally when the parent dies by SIGKILL or an uncaught
 * exception, where none of the parent's handlers run. (Linux's PR_SET_PDEATHSIG is out of Node's reach and would
 * reach only a direct child, not workerd.) When the command exits by itself, the rest of its group is stopped too
 * and the supervisor exits with the command's code.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";

/** SIGTERM to SIGKILL: wrangler stops workerd in well under a second; a hung one must not hold the port for long. */
const GRACE_MS = 5_000;
const POLL_MS = 100;

const [varsDir, command, ...args] = process.argv.slice(2);
if (!varsDir || !command) {
  console.error("usage: worker-supervisor <vars-dir> <command> [args…]");
  process.exit(2);
}

const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"], detached: true });
let stopping = false;

/** Signals the command's whole group; false when no process of it is left (signal 0 only checks). */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stops the group, removes the vars, exits with `code`; whichever cause comes first wins. */
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // wrangler read the file at start; removing it first means not even a SIGKILL of this process leaves it behind.
  rmSync(varsDir as string, { recursive: true, force: true });
  const group = child.pid;
  if (group !== undefined && signalGroup(group, "SIGTERM")) {
    const deadline = Date.now() + GRACE_MS;
    while (signalGroup(group, 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
    signalGroup(group, "SIGKILL");
  }
  process.exit(code);
}

child.on("error", (err) => {
  console.error(`worker-supervisor: ${command}: ${err.message}`);
  void shutdown(127);
});
child.on("exit", (code, signal) => void shutdown(code ?? (signal ? 1 : 0)));
process.stdin.on("end", () => void shutdown(0));
process.stdin.on("error", () => void shutdown(0));
process.stdin.resume();
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));
