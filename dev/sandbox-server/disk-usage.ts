import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

/**
 * Bytes allocated to the files below `dir`, counted without following symbolic links (the tree is the sandbox's, and
 * a link to `/` must not make the server walk the host). Entries that vanish during the walk count as nothing.
 */
export async function diskUsage(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await diskUsage(p);
    else total += ((await lstat(p).catch(() => null))?.blocks ?? 0) * 512;
  }
  return total;
}
