/**
 * `npm run bench:pdf -- --corpus debian`: the reader on real documentation, against poppler's `pdftotext`.
 *
 * The PDFs of the Debian 12 documentation packages below are fetched at run time (`apt-get download`, then
 * `dpkg-deb -x`; about 280 MB, nothing is committed), up to a few per package plus the files named in issue #24.
 * Each is read by our reader in this process and by `pdftotext`; the tables give, per producer (the PDF's /Producer),
 * how many files were accepted or refused and why, word F1 and character 3-gram similarity against `pdftotext`, and
 * ms per page for both; then the glued-word share on the files where word breaks went wrong before.
 *
 *   npm run bench:pdf -- --corpus debian [--dir /tmp/pdf-corpus] [--per-package 6]
 *
 * `--dir` keeps the downloads between runs (by default a temporary directory, removed at the end).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { MAX_PDF_BYTES, pdfText } from "../worker/documents/pdf";
import { isAppError } from "../worker/errors";
import { glued, tokens, trigramSimilarity, wordF1 } from "./pdf-metrics";
import { formatTable, median } from "./table";

/**
 * Documentation packages of Debian 12 that ship PDFs, chosen to cover the producers seen in the wild: pdfTeX
 * (texlive docs, R, Octave), LuaTeX and XeTeX (fontspec, the Persian and other-language docs), dvipdfmx, Ghostscript
 * (graphviz, groff output), LibreOffice and XeTeX (SIL font docs), Cairo, ReportLab, DocBook via dblatex.
 */
export const DEBIAN_PACKAGES = [
  "asymptote-doc",
  "debian-faq",
  "debian-policy",
  "debian-reference-en",
  "developers-reference",
  "fonts-cwtex-docs",
  "fonts-sil-abyssinica",
  "fonts-sil-andika",
  "fonts-sil-charis",
  "fonts-sil-ezra",
  "fonts-sil-gentiumplus",
  "fonts-sil-padauk",
  "fonts-sil-scheherazade",
  "ghostscript-doc",
  "gnuplot-doc",
  "grace",
  "graphviz-doc",
  "latex2rtf-doc",
  "lmodern",
  "maint-guide",
  "maxima-doc",
  "octave-doc",
  "pari-doc",
  "python-reportlab-doc",
  "r-doc-pdf",
  "tex-gyre",
  "texlive-fonts-recommended-doc",
  "texlive-humanities-doc",
  "texlive-lang-arabic",
  "texlive-lang-other",
  "texlive-latex-recommended-doc",
  "texlive-metapost-doc",
  "xorg-docs",
];

/** Files always included beyond the per-package sample: the ones issue #24 found faults in. */
const NAMED = new Set([
  "policy.pdf",
  "fontspec.pdf",
  "maint-guide.en.pdf",
  "dottyguide.pdf",
  "setpage-example.pdf",
  "xepersian-doc.pdf",
  "lshort.pdf",
]);
/** The files the glued-word share is reported for. */
const GLUE_WATCH = ["policy.pdf", "fontspec.pdf", "maint-guide.en.pdf"];

/** Producer families, first match wins; the rest are "other". */
const PRODUCERS: Array<[string, RegExp]> = [
  ["pdfTeX", /pdfTeX/i],
  ["LuaTeX", /LuaTeX|LuaHBTeX/i],
  ["XeTeX (xdvipdfmx)", /xdvipdfmx/i],
  ["dvipdfmx", /dvipdfm/i],
  ["Ghostscript", /Ghostscript/i],
  ["LibreOffice", /LibreOffice|OpenOffice/i],
  ["Cairo", /cairo/i],
  ["ReportLab", /ReportLab/i],
  ["FOP", /FOP/i],
];

interface Result {
  package: string;
  file: string;
  producer: string;
  pages: number;
  /** Null when accepted. */
  refusal: string | null;
  ours: string[];
  reference: string[];
  oursMs: number;
  popplerMs: number;
}

function run(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
}

function download(dir: string): void {
  const missing = DEBIAN_PACKAGES.filter((p) => !readdirSync(dir).some((f) => f.startsWith(`${p}_`)));
  if (missing.length === 0) return;
  process.stderr.write(`downloading ${missing.length} packages into ${dir} …\n`);
  run("apt-get", ["download", ...missing], dir);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    // Symbolic links are skipped: packages link some PDFs to others, or to files of other packages.
    if (entry.isDirectory()) return walk(path);
    return entry.isFile() ? [path] : [];
  });
}

/** Every package's documentation PDFs (gunzipped), sampled evenly over their sorted paths. */
function extract(dir: string, perPackage: number): Array<{ package: string; path: string }> {
  const files: Array<{ package: string; path: string }> = [];
  for (const name of DEBIAN_PACKAGES) {
    const deb = readdirSync(dir).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
    if (!deb) throw new Error(`${name} was not downloaded`);
    const root = join(dir, "x", name);
    if (!existsSync(root)) {
      mkdirSync(root, { recursive: true });
      run("dpkg-deb", ["-x", join(dir, deb), root]);
      for (const path of walk(root).filter((p) => p.endsWith(".pdf.gz"))) {
        execFileSync("gunzip", ["-f", path]);
      }
    }
    // Only documentation: PDFs under texmf-dist/tex are figures a package includes, not documents.
    const pdfs = walk(root)
      .filter((p) => p.endsWith(".pdf") && p.includes("/doc/"))
      .sort();
    const step = Math.max(1, pdfs.length / perPackage);
    const chosen = new Set<string>();
    for (let i = 0; i < pdfs.length && chosen.size < perPackage; i += step) chosen.add(pdfs[Math.floor(i)] as string);
    for (const p of pdfs) if (NAMED.has(basename(p))) chosen.add(p);
    for (const path of [...chosen].sort()) files.push({ package: name, path });
  }
  return files;
}

function pdfInfo(path: string): { producer: string; pages: number } {
  let info = "";
  try {
    info = run("pdfinfo", [path]);
  } catch {
    // pdfinfo fails on files poppler cannot open; they are still read by both.
  }
  const producer = /^Producer:\s*(.*)$/m.exec(info)?.[1] ?? "";
  const family = PRODUCERS.find(([, re]) => re.test(producer))?.[0] ?? "other";
  return { producer: family, pages: Number(/^Pages:\s*(\d+)/m.exec(info)?.[1] ?? 0) };
}

async function measure(pkg: string, path: string, root: string): Promise<Result> {
  const { producer, pages } = pdfInfo(path);
  const bytes = new Uint8Array(readFileSync(path));
  let started = performance.now();
  let reference: string[] = [];
  try {
    reference = tokens(run("pdftotext", ["-enc", "UTF-8", path, "-"]));
  } catch {
    // A file poppler refuses has no reference text; its row still counts our outcome.
  }
  const popplerMs = performance.now() - started;
  let refusal: string | null = null;
  let ours: string[] = [];
  started = performance.now();
  if (bytes.byteLength > MAX_PDF_BYTES) refusal = "too_large";
  else {
    try {
      ours = tokens((await new Response(pdfText(bytes)).text()).replace(/^--- page \d+ ---$/gm, ""));
    } catch (err) {
      if (!isAppError(err)) throw err;
      refusal = (err.details as { reason?: string } | undefined)?.reason ?? err.code;
    }
  }
  const oursMs = performance.now() - started;
  return { package: pkg, file: relative(root, path), producer, pages, refusal, ours, reference, oursMs, popplerMs };
}

function tally(items: Iterable<string>): string {
  const map = new Map<string, number>();
  for (const item of items) map.set(item, (map.get(item) ?? 0) + 1);
  return [...map].map(([k, n]) => `${k} ${n}`).join(", ") || "—";
}

function summary(label: string, results: Result[]): Array<string | number> {
  const accepted = results.filter((r) => r.refusal === null);
  const compared = accepted.filter((r) => r.reference.length > 0);
  const pages = results.reduce((n, r) => n + r.pages, 0);
  const ms = (pick: (r: Result) => number) => (pages ? results.reduce((n, r) => n + pick(r), 0) / pages : Number.NaN);
  return [
    label,
    results.length,
    pages,
    `${accepted.length}/${results.length}`,
    tally(results.flatMap((r) => (r.refusal ? [r.refusal] : []))),
    median(compared.map((r) => wordF1(r.ours, r.reference))),
    median(compared.map((r) => trigramSimilarity(r.ours, r.reference))),
    ms((r) => r.oursMs),
    ms((r) => r.popplerMs),
  ];
}

/** Runs the corpus benchmark and prints its tables. */
export async function debianCorpus(options: { dir?: string; perPackage: number }): Promise<void> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "bench-pdf-debian-"));
  mkdirSync(dir, { recursive: true });
  try {
    download(dir);
    const files = extract(dir, options.perPackage);
    const root = join(dir, "x");
    const results: Result[] = [];
    for (const [i, { package: pkg, path }] of files.entries()) {
      process.stderr.write(`\r[${i + 1}/${files.length}] ${basename(path)}`.padEnd(70));
      results.push(await measure(pkg, path, root));
    }
    process.stderr.write("\n");
    const families = [...new Set(results.map((r) => r.producer))].sort();
    const header = [
      "producer",
      "files",
      "pages",
      "accepted",
      "refused (reason n)",
      "word F1 (median)",
      "3-gram sim. (median)",
      "ours ms/page",
      "pdftotext ms/page",
    ];
    const rows = families.map((f) =>
      summary(
        f,
        results.filter((r) => r.producer === f),
      ),
    );
    rows.push(summary("**all**", results));
    console.log(`${formatTable(header, rows)}\n`);
    const worst = results
      .filter((r) => r.refusal === null && r.reference.length > 0)
      .map((r) => ({ r, f1: wordF1(r.ours, r.reference) }))
      .sort((a, b) => a.f1 - b.f1)
      .slice(0, 10);
    const gluedOf = new Map(results.map((r) => [r, r.refusal ? { tokens: 0, words: 0 } : glued(r.ours, r.reference)]));
    const gluedWords = new Map([...gluedOf].map(([r, g]) => [r, g.words]));
    const mostGlued = results
      .filter((r) => r.refusal === null && r.reference.length > 0)
      .sort((a, b) => (gluedWords.get(b) as number) - (gluedWords.get(a) as number));
    const watched = GLUE_WATCH.flatMap((name) => results.filter((r) => basename(r.file) === name));
    const fileRows = (list: Result[]) =>
      list.map((r) => [
        r.file,
        r.producer,
        r.pages,
        r.refusal ?? "accepted",
        r.reference.length,
        r.refusal ? "—" : wordF1(r.ours, r.reference),
        r.refusal ? "—" : `${(100 * (gluedOf.get(r)?.tokens ?? 0)).toFixed(2)} %`,
        r.refusal ? "—" : `${(100 * (gluedWords.get(r) as number)).toFixed(2)} %`,
      ]);
    const fileHeader = [
      "file",
      "producer",
      "pages",
      "outcome",
      "pdftotext words",
      "word F1",
      "glued tokens (of ours)",
      "words inside glued tokens",
    ];
    console.log(`Watched files:\n\n${formatTable(fileHeader, fileRows(watched))}\n`);
    console.log(`Most glued words:\n\n${formatTable(fileHeader, fileRows(mostGlued.slice(0, 5)))}\n`);
    console.log(`Lowest word F1:\n\n${formatTable(fileHeader, fileRows(worst.map((w) => w.r)))}\n`);
    const refused = results.filter((r) => r.refusal !== null);
    console.log(`Refused: ${refused.length} of ${results.length}\n\n${formatTable(fileHeader, fileRows(refused))}`);
  } finally {
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}
