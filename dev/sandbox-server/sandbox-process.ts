import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { SandboxCgroup } from "./cgroup";
import { EGRESS_SOCKET } from "./egress-proxy";
import { type BwrapSpec, bwrapArgs, INNER, type PythonInfo, type SandboxLimits, sandboxEnv } from "./isolation";

/** How long a sandbox may take to start its supervisor. */
const READY_TIMEOUT_MS = 15_000;

/**
 * Runs as root before the sandbox's first process: joins the memory cgroup (argv[1] is its `cgroup.procs`), drops to
 * the sandbox's uid/gid (argv[2], argv[3]; -1 keeps root) and execs argv[5:] with the environment in argv[4] (JSON).
 * It starts with an empty environment itself, so nothing the sandbox's env says (LD_PRELOAD, …) applies while it is
 * root. Node cannot run code between fork and exec, and moving a process in later would leave the children it had
 * already forked outside the limit.
 */
const JOIN_CGROUP = [
  "import json, os, sys",
  "with open(sys.argv[1], 'w') as f: f.write(str(os.getpid()))",
  "uid, gid = int(sys.argv[2]), int(sys.argv[3])",
  "if uid >= 0: os.setgroups([]); os.setgid(gid); os.setuid(uid)",
  "os.execvpe(sys.argv[5], sys.argv[5:], json.loads(sys.argv[4]))",
].join("\n");

/** One `process/execute` request as the supervisor takes it. */
export interface ExecRequest {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutSec: number;
  /** Answer at output EOF rather than when the shell exits (the `outputEof` fault: Daytona's daemon). */
  untilEof?: boolean;
}

/** Why an execute did not produce an exit code. */
export class ExecFailure extends Error {
  constructor(
    readonly kind: "timeout" | "spawn" | "cwd" | "gone",
    message: string,
    readonly output = "",
  ) {
    super(message);
  }
}

interface Reply {
  id: number;
  exitCode?: number;
  result?: string;
  error?: string;
  kind?: ExecFailure["kind"];
  ready?: boolean;
}

/** Everything needed to launch one sandbox. */
export interface LaunchSpec extends BwrapSpec {
  isolation: "bwrap" | "none";
  /** Host uid/gid to run as (set when the server is root, so RLIMIT_NPROC applies and sandboxes are apart). */
  owner?: { uid: number; gid: number };
  /** The sandbox's memory cgroup; without one, RLIMIT_AS bounds each process instead. */
  cgroup?: SandboxCgroup;
}

/** The supervisor's relay to the egress proxy, for an allow-listed sandbox. */
function egressRelay(spec: LaunchSpec) {
  if (spec.network.mode !== "allowList") return {};
  return { egress: { port: INNER.proxyPort, socket: `${INNER.net}/${EGRESS_SOCKET}` } };
}

/** How to spawn `command args` with `env`: through {@link JOIN_CGROUP} when there is a cgroup to join. */
function entry(spec: LaunchSpec, command: string, args: string[], env: Record<string, string>) {
  if (!spec.cgroup) return { command, args, env, owner: spec.owner };
  const { uid, gid } = spec.owner ?? { uid: -1, gid: -1 };
  const join = ["-I", "-S", "-c", JOIN_CGROUP, spec.cgroup.procsFile, String(uid), String(gid), JSON.stringify(env)];
  return { command: spec.python.executable, args: [...join, command, ...args], env: {}, owner: undefined };
}

/**
 * A running sandbox: its supervisor process (inside bubblewrap, or plain) and the line-delimited JSON channel to it.
 * Killing it ends every process of the sandbox: under bubblewrap by killing the pid namespace's init, otherwise by
 * killing every process that carries the sandbox's `DAYTONA_SANDBOX_ID` (and the store's removal of the sandbox's
 * cgroup kills whatever is still in it).
 */
export class SandboxProcess {
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private innerPid: number | undefined;
  private stderrTail = "";
  private exitCallbacks: Array<(why: string) => void> = [];
  alive = true;

  private constructor(
    private readonly child: ChildProcess,
    private readonly id: string,
    private readonly bwrap: boolean,
  ) {}

  /** Starts the sandbox and resolves once its supervisor said it is ready. */
  static async launch(spec: LaunchSpec, limits: SandboxLimits, python: PythonInfo): Promise<SandboxProcess> {
    const rl = {
      as: spec.cgroup ? undefined : limits.memoryBytes, // the cgroup bounds the whole sandbox instead
      nproc: limits.processes,
      cpu: limits.cpuSeconds,
      fsize: limits.fileSizeBytes,
      nofile: limits.openFiles,
      core: 0,
    };
    let child: ChildProcess;
    if (spec.isolation === "bwrap") {
      const run = entry(spec, "bwrap", bwrapArgs(spec, { limits: rl, ...egressRelay(spec) }), {
        PATH: "/usr/bin:/bin",
      });
      child = spawn(run.command, run.args, { stdio: ["pipe", "pipe", "pipe", "pipe"], env: run.env, ...run.owner });
    } else {
      const env = sandboxEnv(spec.id, spec.env, python, spec.homeDir, spec.portsDir);
      const config = JSON.stringify({ limits: rl, homeAlias: spec.homeDir });
      const run = entry(spec, python.executable, ["-I", "-S", spec.supervisorPath, config], env);
      child = spawn(run.command, run.args, {
        stdio: ["pipe", "pipe", "pipe", "ignore"],
        env: run.env,
        cwd: spec.homeDir,
        detached: true,
        ...run.owner,
      });
    }
    const proc = new SandboxProcess(child, spec.id, spec.isolation === "bwrap");
    await proc.wire(spec.isolation === "bwrap");
    return proc;
  }

  private async wire(bwrap: boolean): Promise<void> {
    const child = this.child;
    child.stderr?.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString("utf8")).slice(-4096);
    });
    if (bwrap) {
      let info = "";
      (child.stdio[3] as Readable | null)?.on("data", (d: Buffer) => {
        info += d.toString("utf8");
        const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
        if (m?.[1]) this.innerPid = Number(m[1]);
      });
    }
    const ready = new Promise<Reply>((resolve, reject) => this.pending.set(0, { resolve, reject }));
    createInterface({ input: child.stdout as Readable, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      let msg: Reply;
      try {
        msg = JSON.parse(line) as Reply;
      } catch {
        return;
      }
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      waiter?.resolve(msg);
    });
    child.stdin?.on("error", () => {}); // EPIPE after the sandbox died is reported through "exit"
    child.once("exit", (code, signal) => {
      this.alive = false;
      const why = `sandbox process exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ""}`;
      for (const w of this.pending.values()) w.reject(new ExecFailure("gone", why));
      this.pending.clear();
      for (const cb of this.exitCallbacks) cb(why);
    });
    child.once("error", (err) => {
      this.alive = false;
      for (const w of this.pending.values()) w.reject(new ExecFailure("gone", `cannot start sandbox: ${err.message}`));
      this.pending.clear();
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`sandbox did not start within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([ready, timeout]);
    } catch (e) {
      await this.kill();
      throw new Error(`cannot start sandbox ${this.id}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls `cb` once when the sandbox ends for any reason (killed, crashed, its supervisor killed from inside). */
  onExit(cb: (why: string) => void) {
    this.exitCallbacks.push(cb);
  }

  /** Runs `sh -c command` inside the sandbox; resolves when the shell exits (background children keep running). */
  async exec(req: ExecRequest, maxOutputBytes: number): Promise<{ exitCode: number; result: string }> {
    if (!this.alive) throw new ExecFailure("gone", "sandbox is not running");
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const line = JSON.stringify({
      id,
      command: req.command,
      cwd: req.cwd,
      env: req.env,
      timeout: req.timeoutSec,
      maxOutput: maxOutputBytes,
      untilEof: req.untilEof,
    });
    this.child.stdin?.write(`${line}\n`);
    const r = await reply;
    if (r.error !== undefined) throw new ExecFailure(r.kind ?? "spawn", r.error, r.result ?? "");
    return { exitCode: r.exitCode ?? -1, result: r.result ?? "" };
  }

  /** Ends every process of the sandbox and waits for the supervisor to be gone. */
  async kill(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once("exit", () => resolve());
    });
    const timeout = (ms: number) => new Promise((r) => setTimeout(r, ms));
    if (this.innerPid) {
      // `innerPid` is the init of the sandbox's pid namespace: when it dies the kernel kills every process in the
      // namespace and only then lets it be reaped, so the outer bwrap exits once the sandbox is really empty.
      tryKill(this.innerPid);
      if ((await Promise.race([exited.then(() => true), timeout(5000)])) === true) return;
    }
    if (this.child.pid) tryKill(this.child.pid);
    if (this.child.pid && !this.bwrap) {
      tryKill(-this.child.pid);
      await killByMarker(this.id);
    }
    await Promise.race([exited, timeout(5000)]);
  }
}

function tryKill(pid: number) {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Without namespaces, a sandbox's processes are found by the `DAYTONA_SANDBOX_ID` every one of them inherits. */
async function killByMarker(id: string): Promise<void> {
  const marker = Buffer.from(`DAYTONA_SANDBOX_ID=${id}\0`);
  for (let round = 0; round < 3; round++) {
    let found = 0;
    for (const entry of await readdir("/proc").catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      const environ = await readFile(`/proc/${entry}/environ`).catch(() => null);
      if (environ?.includes(marker)) {
        found++;
        tryKill(Number(entry));
      }
    }
    if (!found) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
