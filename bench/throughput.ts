/**
 * End-to-end task throughput with the scripted solver: a needle question over 1 MB, 10 MB and 100 MB documents,
 * uploaded through `POST /v1/documents` and answered as `rlm` tasks through `POST /v1/tasks`, one task at a time.
 * The solver reads the whole context the way an RLM would (20,000-character chunks, one sub-call each, through
 * `llm_query_batched`), so the run exercises upload → R2 → sandbox ingestion → REPL → fan-out → answer at scale.
 */

import { fillerPieces } from "./capability/haystack";
import { createRng } from "./capability/prng";
import { runTask, uploadDocument } from "./capability/product";
import { createProgress } from "./progress";
import { type BenchStack, startBenchStack } from "./stack";
import { formatTable, median } from "./table";

/** One size's measurements, medians over its tasks. */
export interface ThroughputRow {
  megabytes: number;
  tasks: number;
  /** Tasks whose answer held the needle. */
  correct: number;
  /** One line per task that failed (upload refused, task failed or timed out). */
  failures: string[];
  /** Medians over the tasks that completed; NaN when none did. */
  uploadMs: number;
  taskMs: number;
  llmCalls: number;
}

/** What {@link runThroughput} measures. */
export interface ThroughputOptions {
  /** Document sizes in MB (10^6 bytes). */
  sizesMb: readonly number[];
  /** Tasks per size: enough for a median at small sizes, one where a single task takes a minute. */
  tasksPerSize?: (megabytes: number) => number;
  quiet?: boolean;
}

/** The result: rows and the Markdown tables with their ratios. */
export interface ThroughputReport {
  rows: ThroughputRow[];
  markdown: string;
}

const MB = 1_000_000;
/** The context ingestion goal of issue #4, which the whole pipeline is compared with. */
const INGESTION_GOAL_MBPS = 100;
// One megabyte of generated prose is tiled to the larger sizes: generating 100 MB sentence by sentence would cost
// more time than the task it feeds, and the solver reads every chunk either way.
const TILE_CHARS = MB;
// Three tasks give a median at 1 and 10 MB in seconds; one 100 MB task already takes a minute or more on two cores.
const defaultTasks = (megabytes: number) => (megabytes >= 100 ? 1 : megabytes >= 10 ? 2 : 3);
const POLL_MS = 250;
const KEY = "quiet-harbor";

/** `megabytes` of ASCII prose with one RULER-style needle at the middle; returns the bytes and the needle. */
export function needleDocument(megabytes: number, seed: number): { bytes: Buffer; value: string } {
  const rng = createRng(seed);
  const tile = fillerPieces(rng, TILE_CHARS).join("");
  const value = String(rng.int(1_000_000, 9_999_999));
  const needle = ` One of the special magic numbers for ${KEY} is: ${value}. `;
  const size = Math.round(megabytes * MB);
  const body = tile.repeat(Math.ceil(size / tile.length)).slice(0, size - needle.length);
  // Cut at a sentence end near the middle, so the needle reads as its own sentence.
  const cut = body.indexOf(". ", Math.floor(body.length / 2)) + 1 || Math.floor(body.length / 2);
  return { bytes: Buffer.from(body.slice(0, cut) + needle + body.slice(cut), "latin1"), value };
}

async function runSize(
  stack: BenchStack,
  megabytes: number,
  tasks: number,
  tick: (label: string) => void,
): Promise<ThroughputRow> {
  const doc = needleDocument(megabytes, megabytes);
  const uploads: number[] = [];
  const walls: number[] = [];
  const subCalls: number[] = [];
  const failures: string[] = [];
  let correct = 0;
  for (let i = 0; i < tasks; i++) {
    const label = `${megabytes} MB task ${i + 1}/${tasks}`;
    try {
      // A fresh upload per task: the upload is part of what a customer's task costs.
      const uploaded = await uploadDocument(stack.client, `throughput-${megabytes}mb-${i}.txt`, doc.bytes);
      const outcome = await runTask(
        stack.client,
        `What are all the special magic numbers for ${KEY} mentioned in the provided text?`,
        uploaded.id,
        // One sub-call per 20,000 characters: 5,000 at 100 MB, beyond the default ceiling of 2,000 calls.
        { budget: { llmCalls: 100_000 }, timeoutMs: 15 * 60_000, pollMs: POLL_MS },
      );
      if (outcome.status !== "completed") throw new Error(`${outcome.status}: ${outcome.error?.message}`);
      if (outcome.answer?.includes(doc.value)) correct += 1;
      uploads.push(uploaded.ms);
      walls.push(outcome.wallMs);
      subCalls.push(outcome.usage?.llmCalls ?? 0);
      tick(`${label}: ${(outcome.wallMs / 1000).toFixed(1)} s`);
    } catch (err) {
      // A failed task is a result, reported under the table; the timings are medians over the tasks that ended.
      failures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
      tick(`${label}: failed`);
    }
  }
  return {
    megabytes,
    tasks,
    correct,
    failures,
    uploadMs: median(uploads),
    taskMs: median(walls),
    llmCalls: median(subCalls),
  };
}

/** The throughput tables: per size, time and MB/s of the upload, the task and both, and tasks per minute. */
export function throughputMarkdown(rows: ThroughputRow[]): string {
  const mbps = (mb: number, ms: number) => mb / (ms / 1000);
  const table = formatTable(
    [
      "context",
      "tasks: correct / failed",
      "LLM calls/task",
      "upload s",
      "upload MB/s",
      "task s",
      "task MB/s",
      "end to end MB/s",
      "vs 100 MB/s ingestion goal",
      "tasks/min",
    ],
    rows.map((r) => {
      const total = r.uploadMs + r.taskMs;
      const counts = `${r.tasks}: ${r.correct} / ${r.failures.length}`;
      if (Number.isNaN(total)) return [`${r.megabytes} MB`, counts, "—", "—", "—", "—", "—", "—", "—", "—"];
      return [
        `${r.megabytes} MB`,
        counts,
        r.llmCalls,
        (r.uploadMs / 1000).toFixed(2),
        mbps(r.megabytes, r.uploadMs).toFixed(1),
        (r.taskMs / 1000).toFixed(2),
        mbps(r.megabytes, r.taskMs).toFixed(2),
        mbps(r.megabytes, total).toFixed(2),
        `${(mbps(r.megabytes, total) / INGESTION_GOAL_MBPS).toFixed(3)}x`,
        (60_000 / total).toFixed(1),
      ];
    }),
  );
  const failures = rows.flatMap((r) => r.failures);
  return failures.length ? `${table}\n\nFailed:\n\n${failures.map((f) => `- ${f}`).join("\n")}` : table;
}

/**
 * Runs every size on one stack (tasks one after another, so each has the machine to itself) and returns the table.
 *
 * @example
 * const { markdown } = await runThroughput({ sizesMb: [1, 10, 100] });
 */
export async function runThroughput(options: ThroughputOptions): Promise<ThroughputReport> {
  const perSize = options.tasksPerSize ?? defaultTasks;
  const total = options.sizesMb.reduce((n, mb) => n + perSize(mb), 0);
  const progress = createProgress("throughput", total, { quiet: options.quiet });
  // Enterprise, so the free plan's per-minute request limit never refuses an upload or a status read.
  const stack = await startBenchStack({ plan: "enterprise" });
  const rows: ThroughputRow[] = [];
  try {
    for (const mb of options.sizesMb) {
      progress.status(`${mb} MB: generating and uploading`);
      rows.push(await runSize(stack, mb, perSize(mb), (label) => progress.tick(label)));
    }
  } finally {
    progress.done();
    await stack.stop();
  }
  return { rows, markdown: throughputMarkdown(rows) };
}
