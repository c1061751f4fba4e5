/**
 * What a dev snapshot adds to a sandbox: files at sandbox paths, written into its home before it first starts, the
 * way an image's `COPY` layers are there when a Daytona sandbox created from a snapshot boots.
 */
import { chown, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { homeSegments } from "./files";

/** Sandbox path (under /home/daytona) → contents. */
export type SnapshotFiles = Record<string, string>;

/** Writes `files` below `homeDir`, owned by the sandbox's uid when it has one. */
export async function applySnapshotLayer(
  homeDir: string,
  files: SnapshotFiles,
  owner?: { uid: number; gid: number },
): Promise<void> {
  for (const [sandboxPath, contents] of Object.entries(files)) {
    const segments = homeSegments(sandboxPath);
    let dir = homeDir;
    for (const segment of segments.slice(0, -1)) {
      dir = path.join(dir, segment);
      await mkdir(dir, { recursive: true });
      if (owner) await chown(dir, owner.uid, owner.gid);
    }
    const file = path.join(homeDir, ...segments);
    await writeFile(file, contents, { mode: 0o644 });
    if (owner) await chown(file, owner.uid, owner.gid);
  }
}
