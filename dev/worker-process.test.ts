/**
 * `wrangler dev` as the local stack runs it: a taken port is refused instead of reporting another server's `/ready`
 * as its own, and a parent that dies without stopping it (SIGKILL here; an uncaught exception closes the same pipe)
 * takes it, workerd and its vars file along.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { expect, it } from "vitest";
import { descendantsOf, freePort, stillAlive } from "../test/stack/processes";
import { assertPortFree, startWorkerProcess } from "./worker-process";

it("refuses to start on a port something else already listens on, naming the port", async () => {
  const squatter = createServer((_req, res) => res.end('{"ready":true}'));
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  const port = (squatter.address() as { port: number }).port;
  try {
    await expect(startWorkerProcess({ port, vars: {}, persistTo: "/nonexistent" })).rejects.toThrow(
      new RegExp(`port ${port} is already in use`),
    );
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});

/**
 * Stands in for `npm run dev`: starts the Worker the way the stack does, prints "up" once it answers `/health`
 * (`/ready` needs a database this test has none of), then idles until killed — or, with `crash`, throws.
 */
const PARENT = (port: number, persistTo: string, crash: boolean) => `
  import { spawnWorkerProcess } from ${JSON.stringify(resolve(import.meta.dirname, "worker-process.ts"))};
  const worker = await spawnWorkerProcess({ port: ${port}, vars: {}, persistTo: ${JSON.stringify(persistTo)}, readyTimeoutMs: 600_000 });
  worker.ready.catch(() => {});
  worker.child.on("exit", (code) => process.exit(code ?? 1));
  for (;;) {
    const up = await fetch("${`http://127.0.0.1:${port}`}/health").then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log("up");
  setInterval(() => {}, 60_000);
  if (${crash}) setTimeout(() => { throw new Error("crash"); }, 500);
`;

it.skipIf(process.platform !== "linux").each([
  { death: "is killed with SIGKILL", crash: false },
  { death: "dies of an uncaught exception", crash: true },
])(
  "stops wrangler and workerd, frees the port and removes the vars when its parent $death",
  async ({ crash }) => {
    const port = await freePort();
    const persistTo = await mkdtemp(join(tmpdir(), "fleet-orphan-"));
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", PARENT(port, persistTo, crash)],
      {
        cwd: resolve(import.meta.dirname, ".."),
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let started: number[] = [];
    try {
      const lines = createInterface({ input: parent.stdout });
      const exited = new Promise((r) => parent.once("exit", r));
      await Promise.race([
        new Promise<void>((resolveUp) => lines.on("line", (line) => line === "up" && resolveUp())),
        exited.then((code) => Promise.reject(new Error(`the parent exited (${code}) before the Worker answered`))),
      ]);
      const tree = descendantsOf(parent.pid as number);
      started = tree.map((p) => p.pid);
      const varsFile = tree.map((p) => /--env-file (\S+)/.exec(p.cmdline)?.[1]).find(Boolean);
      expect(varsFile).toBeDefined();

      if (!crash) parent.kill("SIGKILL");
      await exited;
      const deadline = Date.now() + 10_000;
      while (stillAlive(started).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(stillAlive(started)).toEqual([]);
      await expect(assertPortFree(port)).resolves.toBeUndefined();
      expect(existsSync(varsFile as string)).toBe(false);
    } finally {
      parent.kill("SIGKILL");
      // Whatever the code under test left running is this test's to remove.
      for (const pid of stillAlive(started)) process.kill(pid, "SIGKILL");
      await rm(persistTo, { recursive: true, force: true });
    }
  },
  120_000,
);
