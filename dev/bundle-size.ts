/**
 * Bundle sizes and budgets. The Worker is bundled exactly as `wrangler deploy` would (offline, `--dry-run`) and
 * measured as the gzip size Cloudflare's limit applies to; the SPA is built by Vite in memory (web/dist is left
 * alone) and measured with the packages its module graph holds. `npm run check:bundle` prints both; a test fails
 * past a budget, or when zod reaches the browser.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build, type Rolldown } from "vite";

/** The Workers free plan's compressed script size limit. */
export const FREE_PLAN_LIMIT_BYTES = 3 * 1024 * 1024;
/**
 * The minified Worker measured 498 KiB gzip, then 577 KiB once `entities`' reference tables, the protobuf encoder,
 * glyph names, run admission, socket access checks and `openai` 7 came in (2026-12-04); the budget is that plus
 * ~10 %, so growth is a decision. The largest parts are zod (460 KiB raw) and openai (413 KiB raw). The MCP server
 * (`@modelcontextprotocol/sdk` 1.32: its protocol schemas, and ajv, which its `Server` imports statically even when
 * no tool declares an output schema) brought it to 673 KiB (2026-12-06); the budget is that plus ~10 %.
 */
export const WORKER_GZIP_BUDGET_BYTES = 740 * 1024;
/** The SPA (JS, CSS, HTML) measured 109 KiB gzip once zod left it (2026-12); the budget is that plus ~15 %. */
export const SPA_GZIP_BUDGET_BYTES = 128 * 1024;
/** Server-only packages: the SPA takes the contracts' types, never their schemas (~55 % of its bundle once). */
export const SERVER_ONLY_PACKAGES = ["zod", "@asteasolutions/zod-to-openapi", "@hono/zod-openapi", "hono"];

const ROOT = resolve(import.meta.dirname, "..");

export interface BundleSize {
  rawBytes: number;
  gzipBytes: number;
}

/** The SPA's size, and every npm package its module graph holds. */
export interface SpaBundle extends BundleSize {
  packages: string[];
}

function sizeOf(files: Iterable<string | Uint8Array>): BundleSize {
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const bytes = typeof file === "string" ? Buffer.from(file) : file;
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { rawBytes, gzipBytes };
}

/** Runs `wrangler deploy --dry-run --outdir <tmp>` and sums the uploaded modules. */
export async function measureBundle(root = ROOT): Promise<BundleSize> {
  const outdir = await mkdtemp(join(tmpdir(), "fleet-bundle-"));
  try {
    await promisify(execFile)("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], { cwd: root });
    // Every uploaded module counts (scripts, wasm, text modules such as the REPL server); maps and notes do not.
    const names = (await readdir(outdir)).filter((name) => !name.endsWith(".map") && name !== "README.md");
    return sizeOf(await Promise.all(names.map((name) => readFile(join(outdir, name)))));
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** Builds the SPA with its own Vite config, in memory, and measures every file it would write. */
export async function measureSpa(root = ROOT): Promise<SpaBundle> {
  // Vite takes NODE_ENV (React's build, export conditions) from the process when set, and vitest sets "test".
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  const result = await build({
    configFile: join(root, "web/vite.config.ts"),
    logLevel: "silent",
    build: { write: false },
  }).finally(() => {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  });
  // SAFETY: without `build.watch` Vite resolves to the output(s), never a watcher.
  const outputs = [result].flat() as Rolldown.RolldownOutput[];
  const files = outputs.flatMap((o) => o.output);
  const packages = new Set<string>();
  for (const file of files) {
    if (file.type !== "chunk") continue;
    for (const id of file.moduleIds) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1];
      if (name) packages.add(name);
    }
  }
  const size = sizeOf(files.map((f) => (f.type === "chunk" ? f.code : f.source)));
  return { ...size, packages: [...packages].sort() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const worker = await measureBundle();
  console.log(`worker bundle: ${kib(worker.rawBytes)} raw, ${kib(worker.gzipBytes)} gzip`);
  console.log(`  budget ${kib(WORKER_GZIP_BUDGET_BYTES)} gzip; free-plan limit ${kib(FREE_PLAN_LIMIT_BYTES)} gzip`);
  const spa = await measureSpa();
  console.log(
    `spa bundle: ${kib(spa.rawBytes)} raw, ${kib(spa.gzipBytes)} gzip (budget ${kib(SPA_GZIP_BUDGET_BYTES)})`,
  );
  console.log(`  packages: ${spa.packages.join(", ")}`);
  const leaked = spa.packages.filter((p) => SERVER_ONLY_PACKAGES.includes(p));
  if (leaked.length > 0) console.log(`  server-only packages in the SPA: ${leaked.join(", ")}`);
  if (worker.gzipBytes > WORKER_GZIP_BUDGET_BYTES || spa.gzipBytes > SPA_GZIP_BUDGET_BYTES || leaked.length > 0) {
    process.exit(1);
  }
}
