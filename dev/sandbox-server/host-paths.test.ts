/**
 * Host-side path operations against sandbox code that shapes the paths: uploads raced by a process that keeps
 * swapping a directory of its home for a symlink to a host directory (issue #14, item 5), and a preview port that is
 * a symlink to a host socket.
 */

import { lstat, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Daytona, DaytonaError } from "@daytonaio/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { NO_LATENCY, type SandboxServer, startSandboxServer } from "./index";

const API_KEY = "race-test-key";
/** Uploads in the race; the unguarded server let dozens of 300 through to the host. */
const UPLOADS = 300;

let root: string;
let outside: string;
let server: SandboxServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "sbx-race-"));
  outside = await mkdtemp(path.join(tmpdir(), "sbx-outside-"));
  server = await startSandboxServer({ latency: NO_LATENCY, apiKey: API_KEY, root, maxSandboxes: 2 });
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

/** Every file under `dir`, found without following symbolic links (the tree is attacker-shaped). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * Swaps `d` between a real directory and a symlink to `target` until killed, each state held for a moment so that a
 * check-then-use in the server sees one and acts on the other. Errors (the server created `d` meanwhile) are skipped.
 */
const swapper = (target: string) =>
  [
    "import os, time",
    "os.chdir('/home/daytona')",
    "os.mkdir('d')",
    "open('swapping', 'w').close()",
    "n = 0",
    "while True:",
    "    n += 1",
    "    try:",
    "        os.rename('d', 'h%d' % n)",
    `        os.symlink(${JSON.stringify(target)}, 'd')`,
    "        time.sleep(0.0002)",
    "        os.unlink('d')",
    "        os.rename('h%d' % n, 'd')",
    "        time.sleep(0.0002)",
    "    except OSError:",
    "        pass",
  ].join("\n");

it("never writes outside the sandbox while its code swaps an upload directory for a symlink", async () => {
  const daytona = new Daytona({ apiKey: API_KEY, apiUrl: server.apiUrl, useDeprecatedPolling: true });
  const sandbox = await daytona.create({});
  try {
    await sandbox.fs.uploadFile(Buffer.from(swapper(outside)), "/home/daytona/swap.py");
    await sandbox.process.executeCommand("nohup python3 swap.py >/dev/null 2>&1 &");
    const home = path.join(root, sandbox.id, "home");
    for (let i = 0; i < 100 && !(await lstat(path.join(home, "swapping")).catch(() => null)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const statuses: number[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      // Into the swapped directory, and through it into a parent the server must create.
      const dest = i % 3 === 0 ? `/home/daytona/d/new${i}/f${i}.txt` : `/home/daytona/d/f${i}.txt`;
      if (i % 2 === 0) {
        const res = await fetch(
          `${server.url}/toolbox/${sandbox.id}/files/upload-v2?path=${encodeURIComponent(dest)}`,
          {
            method: "POST",
            headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/octet-stream" },
            body: `upload ${i}`,
          },
        );
        await res.arrayBuffer();
        statuses.push(res.status);
      } else {
        const status = await sandbox.fs.uploadFile(Buffer.from(`upload ${i}`), dest).then(
          () => 200,
          (e: unknown) => (e instanceof DaytonaError ? (e.statusCode ?? -1) : -1),
        );
        statuses.push(status);
      }
    }
    await sandbox.stop(); // ends the swapper, so the tree below is stable
    expect(await filesUnder(outside)).toEqual([]);
    expect(await readdir(outside)).toEqual([]);
    expect(statuses.filter((s) => s !== 200 && s !== 400)).toEqual([]);
    const landed = new Set((await filesUnder(home)).map((f) => path.basename(f)));
    const accepted = statuses.flatMap((s, i) => (s === 200 ? [`f${i}.txt`] : []));
    expect(accepted.filter((name) => !landed.has(name))).toEqual([]);
    expect(accepted.length).toBeGreaterThan(0);
    expect(statuses).toContain(400); // the swapper really ran during the uploads
  } finally {
    await sandbox.delete();
  }
}, 120_000);

it("does not proxy a preview port that sandbox code linked to a host socket", async () => {
  const hostSocket = path.join(outside, "host.sock");
  const host = createServer((_req, res) => res.end("host service"));
  await new Promise<void>((resolve) => host.listen(hostSocket, resolve));
  const daytona = new Daytona({ apiKey: API_KEY, apiUrl: server.apiUrl, useDeprecatedPolling: true });
  const sandbox = await daytona.create({});
  try {
    await sandbox.process.executeCommand(`ln -s ${hostSocket} "$DAYTONA_DEV_PORTS_DIR/8080.sock"`);
    const link = await sandbox.getPreviewLink(8080);
    const res = await fetch(`${link.url}/`, { headers: { "x-daytona-preview-token": link.token } });
    expect(await res.text()).not.toContain("host service");
    expect(res.status).toBe(502);
  } finally {
    await sandbox.delete();
    await new Promise((resolve) => host.close(resolve));
  }
});
