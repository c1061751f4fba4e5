/**
 * `npm run bench`: every performance benchmark, one after another (each gets the machine to itself), and one report.
 *
 *   npm run bench -- [--out bench/report.md] [--only sandbox,rlm,ws,pdf,throughput] [--sizes 1,10,100]
 *
 * `bench:sandbox`, `bench:rlm`, `bench:ws` and `bench:pdf` run as child processes (`npx tsx bench/<name>.ts`), each on its own
 * throw-away stack, and their printed tables go into the report verbatim, with the baselines and ratios each names;
 * then the end-to-end task throughput run (`throughput.ts`). A benchmark that fails is reported as failed with the
 * tail of its output, and the others still run. Progress goes to stderr.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { cpus, hostname, loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createProgress } from "./progress";
import { formatTable } from "./table";
import { runThroughput } from "./throughput";

const ROOT = resolve(import.meta.dirname, "..");

/** The benchmarks `npm run bench` runs, in order, with what the report says each measures. */
const CHILD_BENCHES = [
  {
    name: "sandbox",
    title: "`npm run bench:sandbox`: exec round trip and context ingestion",
    file: "bench/sandbox.ts",
  },
  {
    name: "rlm",
    title: "`npm run bench:rlm`: orchestration overhead per iteration and `llm_query_batched` fan-out",
    file: "bench/rlm.ts",
  },
  {
    name: "ws",
    title: "`npm run bench:ws`: chat WebSocket frame latency and concurrent streaming sessions",
    file: "bench/ws.ts",
  },
  {
    name: "pdf",
    title: "`npm run bench:pdf`: the cost of reading a PDF upload, against uploading its text and against pdftotext",
    file: "bench/pdf.ts",
  },
] as const;
const STEPS = [...CHILD_BENCHES.map((b) => b.name), "throughput"] as const;
type Step = (typeof STEPS)[number];

// Each benchmark takes one to two minutes on two loaded cores; five means it is stuck (the whole run should stay
// under ten minutes even then).
const CHILD_TIMEOUT_MS = 5 * 60_000;
// Lines of a failed benchmark's output kept in the report: enough for the error and its context.
const FAILURE_TAIL_LINES = 30;

interface Section {
  step: Step;
  label: string;
  title: string;
  ok: boolean;
  ms: number;
  body: string;
}

/** Runs `npx tsx <file>`; resolves with its stdout (and stderr, for failures) whatever the exit code. */
function runChild(
  file: string,
  onLine: (line: string) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // Its own process group, so a timeout also stops the stack the benchmark started.
    const child = spawn("npx", ["tsx", file], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    const watch = (chunk: Buffer, sink: "out" | "err") => {
      const text = chunk.toString();
      if (sink === "out") stdout += text;
      else stderr += text;
      const last = text
        .split(/[\r\n]/)
        .filter((l) => l.trim())
        .at(-1);
      if (last) onLine(last.trim());
    };
    child.stdout.on("data", (c: Buffer) => watch(c, "out"));
    child.stderr.on("data", (c: Buffer) => watch(c, "err"));
    const timer = setTimeout(() => {
      stderr += `\n[bench] stopped after ${CHILD_TIMEOUT_MS / 60_000} minutes\n`;
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    }, CHILD_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

const THROUGHPUT_NOTE =
  "One task at a time on one stack with the scripted `solver` (zero model latency): each document is uploaded " +
  "(`POST /v1/documents`), then asked a needle question as an `rlm` task (`POST /v1/tasks`, polled every 250 ms). " +
  "The solver reads the whole context as an RLM would, one sub-call per 20,000 characters through " +
  "`llm_query_batched` (concurrency 16), so the LLM calls grow with the context. Medians per size; *task MB/s* is " +
  "the context size over the task's wall time, *end to end* adds the upload; *tasks/min* is what one client doing " +
  "this back to back gets. The ratio is to the 100 MB/s context ingestion goal of `bench:sandbox`, which covers " +
  "only the Worker → sandbox step; a task also reads the document from R2, reaches the model once per chunk and " +
  "records every call.";

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "bench/report.md" },
      only: { type: "string", default: STEPS.join(",") },
      sizes: { type: "string", default: "1,10,100" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "usage: npm run bench -- [--out bench/report.md] [--only sandbox,rlm,ws,pdf,throughput] [--sizes 1,10,100]",
    );
    return;
  }
  const only = new Set(values.only.split(",").map((s) => s.trim()));
  for (const name of only) {
    if (!(STEPS as readonly string[]).includes(name)) throw new Error(`--only: unknown benchmark '${name}'`);
  }
  const steps = STEPS.filter((s) => only.has(s));
  const sizes = values.sizes.split(",").map(Number);
  const startedAt = new Date();
  const loadBefore = loadavg();
  const progress = createProgress("bench", steps.length);
  const sections: Section[] = [];

  for (const bench of CHILD_BENCHES) {
    if (!only.has(bench.name)) continue;
    const started = performance.now();
    progress.status(`${bench.name}: starting`);
    const out = await runChild(bench.file, (line) => progress.status(`${bench.name}: ${line.slice(0, 80)}`));
    const ok = out.code === 0;
    sections.push({
      step: bench.name,
      label: `bench:${bench.name}`,
      title: bench.title,
      ok,
      ms: performance.now() - started,
      body: ok
        ? out.stdout.trim()
        : `**Failed** (exit ${out.code}). Last lines of its output:\n\n\`\`\`\n${tail(`${out.stdout}\n${out.stderr}`, FAILURE_TAIL_LINES)}\n\`\`\``,
    });
    progress.tick(`${bench.name}: ${ok ? "done" : "FAILED"}`);
  }

  if (only.has("throughput")) {
    const started = performance.now();
    const title = `End-to-end task throughput: ${sizes.map((s) => `${s} MB`).join(", ")} documents, scripted solver`;
    try {
      const report = await runThroughput({ sizesMb: sizes });
      sections.push({
        step: "throughput",
        label: "task throughput",
        title,
        ok: report.rows.every((r) => r.failures.length === 0),
        ms: performance.now() - started,
        body: `${report.markdown}\n\n${THROUGHPUT_NOTE}`,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      sections.push({
        step: "throughput",
        label: "task throughput",
        title,
        ok: false,
        ms: performance.now() - started,
        body: `**Failed**: ${message}`,
      });
    }
    progress.tick("throughput: done");
  }
  progress.done();

  const totalMs = Date.now() - startedAt.getTime();
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" / ");
  const report = [
    "# fleet-rlm benchmark report",
    "",
    `Generated by \`npm run bench\` on ${startedAt.toISOString()} (${hostname()}, ${cpus().length} CPUs, Node ` +
      `${process.version}) in ${(totalMs / 60_000).toFixed(1)} min. Load average (1/5/15 min) ${load(loadBefore)} ` +
      `before and ${load(loadavg())} after: other work on the machine shares its cores, so read ratios against ` +
      "baselines measured in the same run rather than absolute times.",
    "",
    formatTable(
      ["benchmark", "result", "time s"],
      sections.map((s) => [s.label, s.ok ? "ok" : "**failed**", (s.ms / 1000).toFixed(0)]),
    ),
    "",
    ...sections.flatMap((s) => [`## ${s.title}`, "", s.body, ""]),
  ].join("\n");
  await writeFile(values.out, report);
  console.log(report);
  console.error(`wrote ${values.out}`);
  if (sections.some((s) => !s.ok)) process.exitCode = 1;
}

await main();
