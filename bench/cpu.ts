/**
 * CPU time of the `workerd` processes a benchmark started, read from `/proc` (Linux). workerd runs a Worker's
 * JavaScript on one thread, so its CPU per unit of work says how much of that thread the work takes.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second of `/proc/<pid>/stat` times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuMs: number;
}

function readStat(pid: string): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // `comm` is in parentheses and may contain spaces; the fields after it are space-separated.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid: Number(pid), ppid: Number(fields[1]), comm, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/**
 * Milliseconds of CPU used so far by every `workerd` process descended from this one, or null where `/proc` is
 * missing. Take the difference of two readings around a measurement; processes idle during it add nothing.
 */
export function workerdCpuMs(): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const stats = entries.map(readStat).filter((s): s is ProcStat => s !== null);
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  let total = 0;
  const queue = [...(children.get(process.pid) ?? [])];
  while (queue.length > 0) {
    const s = queue.pop() as ProcStat;
    if (s.comm === "workerd") total += s.cpuMs;
    queue.push(...(children.get(s.pid) ?? []));
  }
  return total;
}

/** Runs `measure` and returns its result with the workerd CPU it used (null off Linux). */
export async function withWorkerdCpu<T>(measure: () => Promise<T>): Promise<{ value: T; cpuMs: number | null }> {
  const before = workerdCpuMs();
  const value = await measure();
  const after = workerdCpuMs();
  return { value, cpuMs: before === null || after === null ? null : after - before };
}
