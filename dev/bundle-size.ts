/**
 * Bundles the Worker exactly as `wrangler deploy` would (offline, `--dry-run`) and measures the gzip size that
 * Cloudflare's limit applies to. `npm run check:bundle` prints it; a test fails past the free-plan limit.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

/** The Workers free plan's compressed script size limit. */
export const FREE_PLAN_LIMIT_BYTES = 3 * 1024 * 1024;

export interface BundleSize {
  rawBytes: number;
  gzipBytes: number;
}

/** Runs `wrangler deploy --dry-run --outdir <tmp>` and sums the uploaded modules. */
export async function measureBundle(root = resolve(import.meta.dirname, "..")): Promise<BundleSize> {
  const outdir = await mkdtemp(join(tmpdir(), "fleet-bundle-"));
  try {
    await promisify(execFile)("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], { cwd: root });
    let rawBytes = 0;
    let gzipBytes = 0;
    for (const name of await readdir(outdir)) {
      // Every uploaded module counts (scripts, wasm, text modules such as the REPL server); maps and notes do not.
      if (name.endsWith(".map") || name === "README.md") continue;
      const bytes = await readFile(join(outdir, name));
      rawBytes += bytes.length;
      gzipBytes += gzipSync(bytes, { level: 9 }).length;
    }
    return { rawBytes, gzipBytes };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const size = await measureBundle();
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`worker bundle: ${kib(size.rawBytes)} raw, ${kib(size.gzipBytes)} gzip`);
  console.log(
    `free-plan limit: ${kib(FREE_PLAN_LIMIT_BYTES)} gzip (${((100 * size.gzipBytes) / FREE_PLAN_LIMIT_BYTES).toFixed(1)} % used)`,
  );
  if (size.gzipBytes > FREE_PLAN_LIMIT_BYTES) process.exit(1);
}
