import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Memory cgroups: one per running sandbox, so the kernel bounds the memory of all its processes together (tmpfs pages
 * included) and, when they exceed it, OOM-kills a process inside the sandbox rather than anything on the host — what
 * real Daytona's containers do. Works with cgroup v1 (the `memory` hierarchy) and v2 (the unified one); the groups of
 * one server live under `fleet-sandboxes-<pid>-<random>`, below the server's own cgroup when that is writable, else the root.
 */

/** File names that differ between the two cgroup versions. */
interface Flavour {
  version: 1 | 2;
  limit: string;
  swapLimit: string;
  /** Most memory ever used by the group. */
  peak: string;
  /** The file holding the `oom_kill <n>` counter. */
  oomEvents: string;
}

const V1: Flavour = {
  version: 1,
  limit: "memory.limit_in_bytes",
  swapLimit: "memory.memsw.limit_in_bytes",
  peak: "memory.max_usage_in_bytes",
  oomEvents: "memory.oom_control",
};
const V2: Flavour = {
  version: 2,
  limit: "memory.max",
  swapLimit: "memory.swap.max",
  peak: "memory.peak",
  oomEvents: "memory.events",
};

/** Prefix of the directory holding one server's sandbox groups; the suffix is the server's pid. */
const GROUP_PREFIX = "fleet-sandboxes-";

/** How long removing a group waits for its killed processes to be gone. */
const REMOVE_TIMEOUT_MS = 5000;

/** The memory cgroup of one sandbox. */
export class SandboxCgroup {
  constructor(
    /** Directory of the group in the cgroup filesystem. */
    readonly dir: string,
    /** The limit across all processes of the sandbox, bytes. */
    readonly limitBytes: number,
    private readonly flavour: Flavour,
  ) {}

  /** The file a process writes its pid to to join the group (before it forks anything). */
  get procsFile(): string {
    return path.join(this.dir, "cgroup.procs");
  }

  /** Processes of the sandbox the kernel's OOM killer has killed so far. */
  oomKills(): number {
    const text = readFileSync(path.join(this.dir, this.flavour.oomEvents), "utf8");
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  /** Most memory the sandbox ever used (undefined on a v2 kernel before 5.19, which has no `memory.peak`). */
  peakBytes(): number | undefined {
    const file = path.join(this.dir, this.flavour.peak);
    return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : undefined;
  }

  /** Kills whatever still runs in the group and removes it. */
  async remove(): Promise<void> {
    await removeGroup(this.dir);
  }
}

/** The cgroup directory under which one server creates its sandboxes' groups. */
export class MemoryCgroups {
  private constructor(
    /** `…/fleet-sandboxes-<pid>-<random>`. */
    readonly dir: string,
    private readonly flavour: Flavour,
  ) {}

  /** cgroup version in use. */
  get version(): 1 | 2 {
    return this.flavour.version;
  }

  /**
   * Finds a writable memory cgroup hierarchy and creates this server's directory in it, after removing the
   * directories of servers that died. Returns the reason when there is none (not root, no memory controller, …).
   */
  static async open(): Promise<MemoryCgroups | { reason: string }> {
    const found = locate();
    if ("reason" in found) return found;
    const failures: string[] = [];
    for (const base of found.candidates) {
      // One group per server, not per process: two servers in one process (tests) must not remove each other's.
      const dir = path.join(base, `${GROUP_PREFIX}${process.pid}-${randomBytes(3).toString("hex")}`);
      try {
        await removeStaleGroups(base);
        if (found.flavour.version === 2) await enableMemory(base);
        await mkdir(dir, { recursive: true });
        if (found.flavour.version === 2) await enableMemory(dir);
        if (!existsSync(path.join(dir, found.flavour.limit))) throw new Error("no memory controller in it");
        return new MemoryCgroups(dir, found.flavour);
      } catch (e) {
        await rmdir(dir).catch(() => {});
        failures.push(`${base}: ${(e as Error).message}`);
      }
    }
    return { reason: `no writable memory cgroup (${failures.join("; ")})` };
  }

  /**
   * Creates a group for one run of sandbox `id` with a memory limit of `limitBytes` and no swap. Each run has its
   * own name, so removing the group of a run that ended can never touch the next one.
   */
  async create(id: string, limitBytes: number): Promise<SandboxCgroup> {
    const dir = path.join(this.dir, `${id}.${randomBytes(4).toString("hex")}`);
    await mkdir(dir);
    // v1 requires the memory limit before the memory+swap one, which may never be below it.
    await writeFile(path.join(dir, this.flavour.limit), String(limitBytes));
    const swap = path.join(dir, this.flavour.swapLimit);
    if (existsSync(swap)) await writeFile(swap, this.flavour.version === 1 ? String(limitBytes) : "0");
    return new SandboxCgroup(dir, limitBytes, this.flavour);
  }

  /** Removes every sandbox group of this server and its directory (server shutdown). */
  async close(): Promise<void> {
    await removeGroup(this.dir);
  }
}

/** Where the memory controller is mounted and which directories to try, the server's own cgroup first. */
function locate(): { flavour: Flavour; candidates: string[] } | { reason: string } {
  const own = readFileSync("/proc/self/cgroup", "utf8").split("\n");
  if (existsSync("/sys/fs/cgroup/cgroup.controllers")) {
    const rel = own.find((l) => l.startsWith("0::"))?.slice(3) ?? "/";
    return { flavour: V2, candidates: unique([path.join("/sys/fs/cgroup", rel), "/sys/fs/cgroup"]) };
  }
  const mount = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .find((f) => {
      const sep = f.indexOf("-");
      return f[sep + 1] === "cgroup" && (f[sep + 3] ?? "").split(",").includes("memory");
    });
  if (!mount?.[3] || !mount[4]) return { reason: "no cgroup v2 and no cgroup v1 memory controller mounted" };
  const [mountRoot, mountPoint] = [mount[3], mount[4]];
  const line = own.find((l) => l.split(":")[1]?.split(",").includes("memory"));
  const ownPath = line?.split(":").slice(2).join(":") ?? "/";
  const rel = path.relative(mountRoot, ownPath);
  const mine = rel.startsWith("..") ? mountPoint : path.join(mountPoint, rel);
  return { flavour: V1, candidates: unique([mine, mountPoint]) };
}

function unique(dirs: string[]): string[] {
  return [...new Set(dirs.map((d) => path.normalize(d)))];
}

/** cgroup v2 only hands a controller to children whose parent lists it in `cgroup.subtree_control`. */
async function enableMemory(dir: string): Promise<void> {
  const enabled = await readFile(path.join(dir, "cgroup.subtree_control"), "utf8");
  if (!enabled.split(/\s+/).includes("memory")) await writeFile(path.join(dir, "cgroup.subtree_control"), "+memory");
}

/** Groups of servers that are gone (their pid no longer runs) would hold limits nobody removes. */
async function removeStaleGroups(base: string): Promise<void> {
  for (const name of readdirSync(base)) {
    if (!name.startsWith(GROUP_PREFIX)) continue;
    const pid = Number.parseInt(name.slice(GROUP_PREFIX.length), 10); // `<pid>-<random>`
    if (pid === process.pid || isAlive(pid)) continue;
    await removeGroup(path.join(base, name)).catch((e) =>
      console.warn(`[sandbox-server] cannot remove stale cgroup ${name}: ${(e as Error).message}`),
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kills every process of the group and its subgroups, then removes them (rmdir fails while a process remains). */
async function removeGroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeGroup(path.join(dir, entry.name));
  }
  const deadline = Date.now() + REMOVE_TIMEOUT_MS;
  for (;;) {
    const pids = (await readFile(path.join(dir, "cgroup.procs"), "utf8").catch(() => "")).split("\n").filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
