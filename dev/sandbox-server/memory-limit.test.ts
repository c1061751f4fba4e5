/**
 * A sandbox's memory is bounded across all its processes, as Daytona's containers are (issue #14, item 6): code that
 * forks its way past the limit is OOM-killed inside the sandbox, the server says so, and nothing else is harmed.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Daytona } from "@daytonaio/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { NO_LATENCY, type SandboxServer, startSandboxServer } from "./index";

const API_KEY = "memory-test-key";
const MIB = 1024 ** 2;
/** Small enough that four children of 200 MiB each are far over it. */
const LIMIT = 256 * MIB;

let root: string;
let server: SandboxServer;
let daytona: Daytona;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "sbx-memory-"));
  server = await startSandboxServer({
    latency: NO_LATENCY,
    apiKey: API_KEY,
    root,
    maxSandboxes: 3,
    limits: { sandboxMemoryBytes: LIMIT },
  });
  daytona = new Daytona({ apiKey: API_KEY, apiUrl: server.apiUrl, useDeprecatedPolling: true });
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

/** The memory cgroup directory of a process, read from /proc (v1: the `memory` hierarchy; v2: the unified one). */
async function memoryCgroupOf(pid: string): Promise<string | undefined> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, "utf8").catch(() => "")).split("\n");
  const v1 = lines.find((l) => l.split(":")[1]?.split(",").includes("memory"));
  if (v1) return path.join("/sys/fs/cgroup/memory", v1.split(":").slice(2).join(":"));
  const v2 = lines.find((l) => l.startsWith("0::"));
  return v2 ? path.join("/sys/fs/cgroup", v2.slice(3)) : undefined;
}

/** Memory cgroups of the processes carrying this sandbox's id (readable here because the tests run as root). */
async function cgroupsOf(sandboxId: string): Promise<Set<string>> {
  const marker = `DAYTONA_SANDBOX_ID=${sandboxId}\0`;
  const found = new Set<string>();
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    if (!(await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "")).includes(marker)) continue;
    const dir = await memoryCgroupOf(pid);
    if (dir) found.add(dir);
  }
  return found;
}

const HOGS = [
  "import multiprocessing as mp, time",
  "def hog(i):",
  "    block = b'x' * (200 * 1024 * 1024)  # written, so every page is really used",
  "    time.sleep(3)",
  "if __name__ == '__main__':",
  "    ctx = mp.get_context('spawn')",
  "    children = [ctx.Process(target=hog, args=(i,)) for i in range(4)]",
  "    for c in children: c.start()",
  "    for c in children: c.join()",
  "    print('exit codes', sorted(c.exitcode for c in children))",
].join("\n");

it.runIf(process.getuid?.() === 0)(
  "OOM-kills inside a sandbox whose processes together exceed its memory, reports it, and harms nothing else",
  async () => {
    expect(server.memoryCgroup).not.toBe("none");
    const sandbox = await daytona.create({});
    try {
      const groups = await cgroupsOf(sandbox.id);
      expect(groups.size).toBe(1); // every process of the sandbox, the supervisor included, is in one group
      const group = [...groups][0] as string;
      const v1 = server.memoryCgroup === "v1";
      const limitFile = path.join(group, v1 ? "memory.limit_in_bytes" : "memory.max");
      expect(Number(await readFile(limitFile, "utf8"))).toBe(LIMIT);

      await sandbox.fs.uploadFile(Buffer.from(HOGS), "/home/daytona/hogs.py");
      const run = await sandbox.process.executeCommand("python3 hogs.py", undefined, undefined, 60);
      // Daytona semantics: the kernel kills processes (SIGKILL, exit code -9), not a Python MemoryError.
      expect(run.result).toMatch(/exit codes \[.*-9/);
      expect(run.result).not.toContain("MemoryError");
      expect(run.result).toMatch(/out of memory: the kernel OOM killer ended \d+ process/);
      expect(run.result).toContain("256 MiB");

      const peak = Number(await readFile(path.join(group, v1 ? "memory.max_usage_in_bytes" : "memory.peak"), "utf8"));
      expect(peak).toBeGreaterThan(LIMIT / 2);
      expect(peak).toBeLessThanOrEqual(LIMIT);
      const events = await readFile(path.join(group, v1 ? "memory.oom_control" : "memory.events"), "utf8");
      expect(Number(/^oom_kill (\d+)$/m.exec(events)?.[1])).toBeGreaterThan(0);
      const saved = JSON.parse(await readFile(path.join(root, sandbox.id, "sandbox.json"), "utf8"));
      expect(saved.oomKills).toBeGreaterThan(0);

      // The sandbox, the server, another sandbox and the host are all fine.
      expect((await daytona.get(sandbox.id)).state).toBe("started");
      expect((await sandbox.process.executeCommand("echo still-here")).result).toBe("still-here\n");
      const other = await daytona.create({});
      expect((await other.process.executeCommand("echo other-ok")).result).toBe("other-ok\n");
      await other.delete();
      expect(spawnSync("/bin/sh", ["-c", "echo host-ok"], { encoding: "utf8" }).stdout).toBe("host-ok\n");

      await sandbox.stop();
      expect(existsSync(group)).toBe(false); // a stopped sandbox holds no cgroup
    } finally {
      await sandbox.delete();
    }
  },
  90_000,
);

it.runIf(process.getuid?.() === 0)("removes its cgroups when the server stops", async () => {
  const other = await startSandboxServer({ latency: NO_LATENCY, apiKey: API_KEY, root: path.join(root, "second") });
  const created = await fetch(`${other.apiUrl}/sandbox`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    // Resources need an image (`buildInfo`), as on Daytona.
    body: JSON.stringify({ memory: 2, buildInfo: { dockerfileContent: "FROM python:3.14" } }),
  });
  const { id } = (await created.json()) as { id: string };
  const group = [...(await cgroupsOf(id))][0] as string;
  const limitFile = path.join(group, other.memoryCgroup === "v1" ? "memory.limit_in_bytes" : "memory.max");
  expect(Number(await readFile(limitFile, "utf8"))).toBe(2 * 1024 ** 3); // the create request's `memory` GiB
  await other.stop();
  expect(existsSync(group)).toBe(false);
  expect(existsSync(path.dirname(group))).toBe(false);
});

it.runIf(process.getuid?.() === 0)("bounds tmpfs within the memory and uploads by the sandbox's disk", async () => {
  const small = await startSandboxServer({
    latency: NO_LATENCY,
    apiKey: API_KEY,
    root: path.join(root, "disk"),
    limits: { sandboxMemoryBytes: LIMIT, sandboxDiskBytes: 4 * MIB },
  });
  try {
    const client = new Daytona({ apiKey: API_KEY, apiUrl: small.apiUrl, useDeprecatedPolling: true });
    const sandbox = await client.create({});
    // A quarter of 256 MiB: filling /dev/shm is ENOSPC, not an OOM kill of whatever else runs.
    const fill = await sandbox.process.executeCommand(
      "dd if=/dev/zero of=/dev/shm/fill bs=1M count=100 2>&1; df -m /dev/shm /tmp",
    );
    expect(fill.result).toContain("No space left on device");
    expect(fill.result).not.toContain("out of memory");
    expect(fill.result).toMatch(/tmpfs\s+64\s/);
    await sandbox.fs.uploadFile(Buffer.alloc(2 * MIB), "/home/daytona/a.bin");
    await sandbox.process.executeCommand("head -c 1500000 /dev/zero > b.bin");
    await expect(sandbox.fs.uploadFile(Buffer.alloc(1 * MIB), "/home/daytona/c.bin")).rejects.toThrow(
      /not enough space/,
    );
    await sandbox.fs.uploadFile(Buffer.alloc(100 * 1024), "/home/daytona/d.bin");
    await sandbox.delete();
  } finally {
    await small.stop();
  }
});
