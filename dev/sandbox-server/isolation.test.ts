import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Daytona } from "@daytonaio/sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FaultBoard } from "./daytona-behaviour";
import { NO_LATENCY, startSandboxServer } from "./index";
import { DEFAULT_LIMITS, resolvePython } from "./isolation";
import { SandboxStore } from "./sandbox-store";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "sbx-isolation-"));
  await chmod(root, 0o711); // sandbox uids must traverse it (the stores below use subdirectories)
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function processesOf(sandboxId: string): Promise<number> {
  const marker = `DAYTONA_SANDBOX_ID=${sandboxId}\0`;
  let n = 0;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    if ((await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "")).includes(marker)) n++;
  }
  return n;
}

describe("isolation choice", () => {
  it("refuses to start without bubblewrap when CI=true (or bwrap is demanded)", async () => {
    const saved = { PATH: process.env.PATH, CI: process.env.CI };
    process.env.PATH = "/nonexistent"; // hides bwrap from the probe
    try {
      process.env.CI = "true";
      await expect(startSandboxServer({ latency: NO_LATENCY, apiKey: "k", root })).rejects.toThrow(
        /bubblewrap is required/,
      );
      process.env.CI = "false";
      await expect(startSandboxServer({ latency: NO_LATENCY, apiKey: "k", root, isolation: "bwrap" })).rejects.toThrow(
        /bubblewrap is required/,
      );
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.CI === undefined) delete process.env.CI;
      else process.env.CI = saved.CI;
    }
  });

  it("falls back to plain processes with a loud warning; stop still kills everything", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // Own uid range: without a user namespace RLIMIT_NPROC counts every process of the uid on the host.
    const server = await startSandboxServer({
      latency: NO_LATENCY,
      apiKey: "k",
      root: path.join(root, "plain"),
      isolation: "none",
      uidBase: 201_000,
    });
    try {
      expect(server.isolation).toBe("none");
      expect(warn.mock.calls.flat().join("\n")).toMatch(/NOT isolated/);
      const daytona = new Daytona({ apiKey: "k", apiUrl: server.apiUrl, useDeprecatedPolling: true });
      const sandbox = await daytona.create({ envVars: { A: "1" } });
      await sandbox.fs.uploadFile(Buffer.from("plain"), "/home/daytona/p.txt");
      const r = await sandbox.process.executeCommand(
        "cat /home/daytona/p.txt; echo \" $A\"; nohup sleep 30 >/dev/null 2>&1 & nohup sh -c 'setsid sleep 31' >/dev/null 2>&1 &",
      );
      expect(r.result).toBe("plain 1\n");
      await new Promise((res) => setTimeout(res, 100));
      expect(await processesOf(sandbox.id)).toBeGreaterThanOrEqual(3);
      await sandbox.stop();
      expect(await processesOf(sandbox.id)).toBe(0);
      await sandbox.delete(60, true);
    } finally {
      warn.mockRestore();
      await server.stop();
    }
  });
});

describe("memory limits", () => {
  it("bound each process with RLIMIT_AS and warn loudly when no memory cgroup is used", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const addressSpace = "python3 -c 'import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])'";
    const plain = await startSandboxServer({
      latency: NO_LATENCY,
      apiKey: "k",
      root: path.join(root, "rlimit"),
      memoryCgroup: "none",
    });
    try {
      expect(plain.memoryCgroup).toBe("none");
      expect(warn.mock.calls.flat().join("\n")).toMatch(/memory is NOT bounded per sandbox/);
      const sandbox = await new Daytona({ apiKey: "k", apiUrl: plain.apiUrl, useDeprecatedPolling: true }).create();
      expect((await sandbox.process.executeCommand(addressSpace)).result).toBe(`${DEFAULT_LIMITS.memoryBytes}\n`);
      await sandbox.delete();
    } finally {
      warn.mockRestore();
      await plain.stop();
    }
    if (process.getuid?.() !== 0) return; // only root can create cgroups
    const bounded = await startSandboxServer({
      latency: NO_LATENCY,
      apiKey: "k",
      root: path.join(root, "cgroup"),
      memoryCgroup: "cgroup",
    });
    try {
      const sandbox = await new Daytona({ apiKey: "k", apiUrl: bounded.apiUrl, useDeprecatedPolling: true }).create();
      expect((await sandbox.process.executeCommand(addressSpace)).result).toBe("-1\n"); // the cgroup replaces it
      await sandbox.delete();
    } finally {
      await bounded.stop();
    }
  });
});

describe("auto-stop and auto-delete", () => {
  it("stops idle sandboxes and deletes stopped ones after their intervals", async () => {
    const store = new SandboxStore({
      root: path.join(root, "sweep"),
      limits: DEFAULT_LIMITS,
      maxSandboxes: 5,
      isolation: "none",
      disableUserns: false,
      python: resolvePython(),
      uidBase: process.getuid?.() === 0 ? 201_500 : undefined,
      cgroups: undefined,
      quota: {},
      latency: NO_LATENCY,
      faults: new FaultBoard(),
    });
    await store.init();
    const base = {
      name: "",
      labels: {},
      env: {},
      cpu: 1,
      gpu: 0,
      memory: 1,
      disk: 3,
      public: false,
      networkBlockAll: true,
      target: "local",
      snapshot: undefined,
    };
    // A sweep while a sandbox is still launching leaves it alone, even with auto-delete at 0 minutes.
    const creating = store.create({ ...base, autoStopInterval: 1, autoDeleteInterval: 0 });
    await store.sweep(Date.now() + 1_000);
    const idle = await creating;
    expect(store.get(idle.meta.id)).toBe(idle);
    const keep = await store.create({ ...base, autoStopInterval: 0, autoDeleteInterval: -1 });
    try {
      await store.sweep(Date.now() + 30_000);
      expect(idle.meta.state).toBe("started");
      // A request held open (a long exec) keeps it active, as Daytona's proxy does.
      const done = store.active(idle);
      await store.sweep(Date.now() + 2 * 60_000);
      expect(idle.meta.state).toBe("started");
      done();
      // Auto-delete at 0 minutes makes it ephemeral: stopping it deletes it (sandbox.service.ts stop, isEphemeral).
      await store.sweep(Date.now() + 2 * 60_000);
      expect(idle.meta.state).toBe("destroyed");
      expect(() => store.get(idle.meta.id)).toThrow(/not found/);
      const later = await store.create({ ...base, autoStopInterval: 1, autoDeleteInterval: 1 });
      await store.sweep(Date.now() + 2 * 60_000);
      expect(later.meta.state).toBe("stopped");
      await store.sweep(Date.now() + 4 * 60_000);
      expect(() => store.get(later.meta.id)).toThrow(/not found/);
      expect(keep.meta.state).toBe("started");
    } finally {
      await store.close();
    }
  });
});
