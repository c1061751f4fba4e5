/**
 * The capability harness: starts a throw-away stack, asks every case through the product API as an `rlm` task and
 * as a plain long-context call, scores both with the official scorers, and writes the results as JSON, Markdown and
 * an SVG plot. `bench/capability.ts` is its command line; the node test drives it on a tiny configuration.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createProgress } from "../progress";
import { startBenchStack } from "../stack";
import { type ChatEndpoint, runBaseline } from "./baseline";
import { scorePlotSvg } from "./plot";
import { runThroughProduct } from "./product";
import {
  type CapabilityResults,
  type CaseRecord,
  type ModelInfo,
  resultsMarkdown,
  SCRIPTED_CAVEAT,
  summarize,
} from "./results";
import { buildCases, type CapabilityKind, formatLength } from "./suite";

/** GPT-5's input window (reference §7): the default ceiling for the baseline's prompt. */
export const DEFAULT_BASELINE_MAX_TOKENS = 272_000;

/** Inputs of {@link runCapability}. */
export interface CapabilityOptions {
  /** The model to measure; absent: the stack's scripted `solver`. */
  endpoint?: ChatEndpoint & { delegateModel?: string };
  kinds: readonly CapabilityKind[];
  /** Context lengths in approximate tokens. */
  lengths: readonly number[];
  samples: number;
  seed: number;
  /** Baseline prompts larger than this (characters / 4) are skipped as exceeding the window. */
  baselineMaxTokens: number;
  /** Where to write `capability.json`, `capability.md` and `capability.svg`; nothing is written without it. */
  outDir?: string;
  /** Per RLM task: after this the task is cancelled and scored 0. */
  taskTimeoutMs?: number;
  /** Per baseline call. */
  baselineTimeoutMs?: number;
  /** No progress bar (tests). */
  quiet?: boolean;
}

/** A finished run: the results and their renderings, and where they were written. */
export interface CapabilityRun {
  results: CapabilityResults;
  markdown: string;
  svg: string;
  files: { json: string; markdown: string; svg: string } | null;
}

// Generous for real models at 128K+ (an RLM run can take many minutes); the scripted solver needs seconds.
const DEFAULT_TASK_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_BASELINE_TIMEOUT_MS = 10 * 60_000;
// Four status reads a second keeps the measured wall time within a quarter second without loading the Worker.
const POLL_MS = 250;

/**
 * Runs the whole matrix, one case at a time (timings stay comparable; a real endpoint is not flooded), and returns
 * the results; with `outDir`, also writes them.
 *
 * @example
 * const run = await runCapability({ kinds: ["sniah"], lengths: [8192], samples: 1, seed: 1, baselineMaxTokens: 272_000 });
 * run.results.summary[0]?.rlm.score; // 1 with the scripted solver
 */
export async function runCapability(options: CapabilityOptions): Promise<CapabilityRun> {
  const startedAt = new Date().toISOString();
  const endpoint = options.endpoint;
  const model: ModelInfo = endpoint
    ? {
        kind: "endpoint",
        baseUrl: endpoint.baseUrl,
        planner: endpoint.model,
        delegate: endpoint.delegateModel ?? endpoint.model,
      }
    : { kind: "scripted", planner: "solver", delegate: "solver" };
  // Enterprise: polling four times a second would trip the free plan's 120 requests a minute, and a real model's
  // spend its monthly ceiling.
  const stack = await startBenchStack({
    plan: "enterprise",
    llm: endpoint && { baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey, model: endpoint.model },
  });
  const records: CaseRecord[] = [];
  try {
    const baselineEndpoint: ChatEndpoint = endpoint ?? { baseUrl: `${stack.llmAdmin}/v1`, model: "solver" };
    const total = options.kinds.length * options.lengths.length * options.samples;
    const progress = createProgress("capability", total, { quiet: options.quiet });
    for (const c of buildCases(options)) {
      const name = `${c.kind} ${formatLength(c.lengthTokens)} #${c.sample + 1}`;
      progress.status(`${name}: rlm task`);
      const rlm = await runThroughProduct(
        stack.client,
        `${c.kind}-${formatLength(c.lengthTokens)}-${c.sample + 1}.txt`,
        c.context,
        c.query,
        {
          models: endpoint ? { planner: model.planner, delegate: model.delegate } : {},
          timeoutMs: options.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
          pollMs: POLL_MS,
        },
      );
      progress.status(`${name}: baseline`);
      const baseline = await runBaseline(baselineEndpoint, c.prompt, {
        maxTokens: options.baselineMaxTokens,
        timeoutMs: options.baselineTimeoutMs ?? DEFAULT_BASELINE_TIMEOUT_MS,
      });
      records.push({
        kind: c.kind,
        lengthTokens: c.lengthTokens,
        sample: c.sample,
        seed: c.seed,
        detail: c.detail,
        expected: c.expected,
        contextChars: c.context.length,
        rlm: { ...rlm, score: rlm.answer === null ? 0 : c.score(rlm.answer) },
        baseline:
          baseline.status === "completed"
            ? { ...baseline, score: c.score(baseline.answer) }
            : baseline.status === "failed"
              ? { ...baseline, score: 0 }
              : baseline,
      });
      const last = records.at(-1) as CaseRecord;
      progress.tick(`${name}: rlm ${(last.rlm.score * 100).toFixed(0)} %`);
    }
    progress.done();
  } finally {
    await stack.stop();
  }

  const results: CapabilityResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    model,
    settings: {
      kinds: [...options.kinds],
      lengths: [...options.lengths],
      samples: options.samples,
      seed: options.seed,
      baselineMaxTokens: options.baselineMaxTokens,
    },
    caveat: endpoint ? null : SCRIPTED_CAVEAT,
    summary: summarize(records),
    cases: records,
  };
  const markdown = resultsMarkdown(results);
  const svg = scorePlotSvg(results);
  let files: CapabilityRun["files"] = null;
  if (options.outDir) {
    await mkdir(options.outDir, { recursive: true });
    files = {
      json: join(options.outDir, "capability.json"),
      markdown: join(options.outDir, "capability.md"),
      svg: join(options.outDir, "capability.svg"),
    };
    await writeFile(files.json, `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(files.markdown, markdown);
    await writeFile(files.svg, svg);
  }
  return { results, markdown, svg, files };
}
