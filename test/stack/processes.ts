/**
 * The machine's process table read from `/proc` (Linux only), for tests that check what a local stack leaves behind
 * or shows to other users.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** One live process: its parent and its command line with the NULs between arguments turned into spaces. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  cmdline: string;
}

/** Every live process this user can see (zombies excluded: they hold no port and are only waiting to be reaped). */
export function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name in parentheses may itself contain spaces and parentheses: fields follow the last ")".
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      entries.push({ pid: Number(name), ppid: Number(ppid), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return entries;
}

/** The live processes descended from `root` (not `root` itself). */
export function descendantsOf(root: number, table = listProcesses()): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  const parents = new Set([root]);
  // The table is not ordered parent-first, so repeat until no new child turns up.
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of table) {
      if (parents.has(entry.ppid) && !parents.has(entry.pid)) {
        parents.add(entry.pid);
        found.push(entry);
        grew = true;
      }
    }
  }
  return found;
}

/** Which of `pids` are still alive. */
export function stillAlive(pids: number[]): number[] {
  const live = new Set(listProcesses().map((p) => p.pid));
  return pids.filter((pid) => live.has(pid));
}

/** A loopback port nothing listens on now, found by binding port 0. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
