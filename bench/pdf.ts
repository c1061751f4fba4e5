/**
 * `npm run bench:pdf`: what reading a PDF costs an upload, against the baselines it is judged by.
 *
 * PDFs of 10, 100 and 400 pages of prose are printed by Chromium (as a browser's "Save as PDF" makes them). Each is
 * uploaded through the Worker under wrangler dev (`POST /v1/documents`), and so is the text it yields, as a `.txt`
 * of the same bytes: the difference is the cost of reading the PDF. The same reader also runs in this Node process,
 * beside poppler's `pdftotext` (C++) where it is installed, to place its speed among real readers.
 *
 *   npm run bench:pdf -- [--pages 10,100,400] [--repeats 3]
 *
 * With `--corpus debian` it measures accuracy and speed on real documentation PDFs instead (bench/pdf-corpus.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { uploadDocument } from "../client/src/index";
import { pdfText } from "../worker/documents/pdf";
import { withWorkerdCpu } from "./cpu";
import { debianCorpus } from "./pdf-corpus";
import { startBenchStack } from "./stack";
import { formatTable, median, ratio } from "./table";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** The vocabulary of the generated prose: accents and ligature pairs (fi, ff, fj) exercise the font mappings. */
const WORDS =
  "alpha beta gamma delta epsilon zeta theta iota kappa lambda office affluent final fjord café naïve".split(" ");

function proseHtml(pages: number): string {
  let seed = 7;
  const word = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return WORDS[seed % WORDS.length];
  };
  const paragraphs = Array.from(
    { length: pages * 10 },
    (_, i) => `<p>Paragraph ${i + 1}: ${Array.from({ length: 60 }, word).join(" ")}.</p>`,
  );
  return `<!doctype html><html lang="en"><meta charset="utf-8"><body>${paragraphs.join("\n")}</body></html>`;
}

function printPdf(dir: string, pages: number): Uint8Array {
  const html = join(dir, `prose-${pages}.html`);
  const pdf = join(dir, `prose-${pages}.pdf`);
  writeFileSync(html, proseHtml(pages));
  const profile = mkdtempSync(join(tmpdir(), "bench-pdf-chromium-"));
  try {
    execFileSync(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        `--user-data-dir=${profile}`,
        "--no-pdf-header-footer",
        `--print-to-pdf=${pdf}`,
        `file://${html}`,
      ],
      { stdio: "ignore", timeout: 120_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  return new Uint8Array(readFileSync(pdf));
}

function hasPdftotext(): boolean {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

async function main() {
  const { values } = parseArgs({
    options: {
      pages: { type: "string", default: "10,100,400" },
      repeats: { type: "string", default: "3" },
      corpus: { type: "string" },
      dir: { type: "string" },
      "per-package": { type: "string", default: "6" },
    },
  });
  if (values.corpus !== undefined) {
    if (values.corpus !== "debian") throw new Error("--corpus takes one value: debian");
    const perPackage = Number(values["per-package"]);
    if (!Number.isInteger(perPackage) || perPackage < 1) throw new Error("--per-package takes a positive integer");
    return debianCorpus({ dir: values.dir, perPackage });
  }
  const sizes = values.pages.split(",").map(Number);
  const repeats = Number(values.repeats);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(repeats) || repeats < 1) {
    throw new Error("--pages takes positive integers separated by commas; --repeats a positive integer");
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const dir = mkdtempSync(join(tmpdir(), "bench-pdf-"));
  const stack = await startBenchStack({ plan: "enterprise" });
  const poppler = hasPdftotext();
  const rows: Array<Array<string | number>> = [];
  try {
    const upload = (name: string, body: Uint8Array) => uploadDocument(stack.client, { name, body });
    for (const pages of sizes) {
      process.stderr.write(`printing ${pages} pages … `);
      const pdf = printPdf(dir, pages);
      process.stderr.write("measuring\n");
      const text = new Uint8Array(await new Response(pdfText(pdf)).arrayBuffer());
      const pdfMs: number[] = [];
      const textMs: number[] = [];
      const cpuMs: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const measured = await withWorkerdCpu(() => timed(() => upload(`prose-${pages}.pdf`, pdf)));
        if (measured.value.value.bytes !== text.byteLength) {
          throw new Error("the Worker stored other text than Node read");
        }
        pdfMs.push(measured.value.ms);
        if (measured.cpuMs !== null) cpuMs.push(measured.cpuMs);
        textMs.push((await timed(() => upload(`prose-${pages}.txt`, text))).ms);
      }
      // One after another, after the read above warmed the JIT: the reader is single-threaded, like a Worker.
      const nodeRuns: number[] = [];
      for (let i = 0; i < repeats; i++) nodeRuns.push((await timed(() => new Response(pdfText(pdf)).text())).ms);
      const nodeMs = median(nodeRuns);
      let popplerMs = Number.NaN;
      if (poppler) {
        const file = join(dir, `prose-${pages}.pdf`);
        const runs = Array.from({ length: repeats }, () => {
          const started = performance.now();
          execFileSync("pdftotext", [file, "-"], { stdio: ["ignore", "ignore", "ignore"] });
          return performance.now() - started;
        });
        popplerMs = median(runs);
      }
      const mib = (n: number) => (n / 1_048_576).toFixed(2);
      rows.push([
        pages,
        mib(pdf.byteLength),
        mib(text.byteLength),
        Math.round(median(textMs)),
        Math.round(median(pdfMs)),
        ratio(median(pdfMs), median(textMs)),
        cpuMs.length ? Math.round(median(cpuMs)) : "n/a",
        Math.round(nodeMs),
        poppler ? Math.round(popplerMs) : "n/a",
        poppler ? ratio(nodeMs, popplerMs) : "n/a",
      ]);
    }
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    formatTable(
      [
        "pages",
        "PDF MiB",
        "text MiB",
        "upload text ms (baseline)",
        "upload PDF ms",
        "PDF / text",
        "workerd CPU ms (PDF upload)",
        "reader in Node ms",
        "pdftotext ms",
        "Node reader / pdftotext",
      ],
      rows,
    ),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
