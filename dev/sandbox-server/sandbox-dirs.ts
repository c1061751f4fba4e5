import { createHash } from "node:crypto";
import { chmod, chown, copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SUPERVISOR_SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "supervisor.py");

/**
 * Lays out one sandbox directory: `home/` (mounted at /home/daytona), `ports/` (Unix sockets for the preview proxy),
 * `tmp/` (uploads in flight, never visible inside) and `etc/` (the sandbox's own passwd/group/hosts/hostname and a
 * copy of the supervisor). With an `owner`, home and ports belong to the sandbox's host uid and nobody else.
 */
export async function prepareSandboxDir(dir: string, id: string, owner?: { uid: number; gid: number }): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o711 });
  for (const sub of ["home", "ports", "tmp", "etc"]) await mkdir(path.join(dir, sub), { recursive: true });
  const host = `sandbox-${id.slice(0, 8)}`;
  const etc = path.join(dir, "etc");
  await writeFile(
    path.join(etc, "passwd"),
    "root:x:0:0:root:/root:/bin/sh\ndaytona:x:1000:1000:daytona:/home/daytona:/bin/sh\n" +
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  );
  await writeFile(path.join(etc, "group"), "root:x:0:\ndaytona:x:1000:\nnogroup:x:65534:\n");
  await writeFile(path.join(etc, "hosts"), `127.0.0.1 localhost ${host}\n::1 localhost\n`);
  await writeFile(path.join(etc, "hostname"), `${host}\n`);
  await copyFile(SUPERVISOR_SRC, path.join(etc, "supervisor.py"));
  await chmod(dir, 0o711);
  await chmod(path.join(dir, "tmp"), 0o700);
  if (owner) {
    for (const sub of ["home", "ports"]) {
      await chown(path.join(dir, sub), owner.uid, owner.gid);
      await chmod(path.join(dir, sub), 0o700);
    }
  }
}

/**
 * Sandboxes running as their own uid must be able to reach their directories: bubblewrap opens bind sources as that
 * uid. The root is made traversable (0711, not listable); a non-traversable ancestor is a clear startup error.
 */
export async function ensureTraversable(root: string): Promise<void> {
  await chmod(root, 0o711);
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    const st = await stat(dir);
    if ((st.mode & 0o001) === 0) {
      throw new Error(`sandbox root ${root} is unreachable for sandbox uids: ${dir} is not world-traversable (o+x)`);
    }
    if (dir === path.dirname(dir)) return;
  }
}

/**
 * Where sandbox directories can live: `preferred` when every ancestor is world-traversable, else a directory under
 * the system temp dir (always traversable), named after `preferred` so restarts find the same sandboxes. A checkout
 * under a private home (e.g. `/root`, mode 0700) needs the fallback when sandboxes run as their own uids.
 */
export async function chooseSandboxRoot(preferred: string): Promise<{ root: string; fallback: boolean }> {
  const absolute = path.resolve(preferred);
  let reachable = true;
  for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
    const st = await stat(dir).catch(() => null);
    if (st && (st.mode & 0o001) === 0) reachable = false;
    if (dir === path.dirname(dir)) break;
  }
  if (reachable || process.getuid?.() !== 0) return { root: absolute, fallback: false };
  const tag = createHash("sha256").update(absolute).digest("hex").slice(0, 10);
  return { root: path.join(os.tmpdir(), `fleet-rlm-sandboxes-${tag}`), fallback: true };
}
