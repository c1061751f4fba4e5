/**
 * The cases of a capability run: S-NIAH and OOLONG tasks per context length and sample, each with the two ways it is
 * asked (as an RLM task: context in the REPL, question as the root prompt; as a plain long-context call: everything
 * in one prompt) and its official scorer.
 */
import { generateOolong } from "./oolong";
import { scoreOolong } from "./oolong-score";
import { deriveSeed } from "./prng";
import { formatSniahPrompt, generateSniah, scoreSniah } from "./sniah";

/** The benchmark families a run can include. */
export const CAPABILITY_KINDS = ["sniah", "oolong"] as const;
/** One benchmark family. */
export type CapabilityKind = (typeof CAPABILITY_KINDS)[number];

/** One task to run both ways and score. */
export interface CapabilityCase {
  kind: CapabilityKind;
  /** Requested context length in approximate tokens (characters / 4). */
  lengthTokens: number;
  sample: number;
  /** The generator's seed, derived from the run's seed, kind, length and sample. */
  seed: number;
  context: string;
  query: string;
  /** The whole task as one prompt, for the long-context baseline. */
  prompt: string;
  expected: string;
  /** What the case is, in a few words (the OOLONG question type, the needle depth). */
  detail: string;
  /** The official score of an answer, in [0, 1]. */
  score(answer: string): number;
}

/** What a run covers. */
export interface SuiteOptions {
  kinds: readonly CapabilityKind[];
  lengths: readonly number[];
  samples: number;
  seed: number;
}

/**
 * Parses `8k`, `128K`, `1m` or a plain number into tokens; `k` and `m` are binary (2^10, 2^20), as the papers'
 * lengths are (8K = 2^13 = 8,192).
 */
export function parseLength(text: string): number {
  const m = /^\s*(\d+)\s*([km]?)\s*$/i.exec(text);
  if (!m) throw new RangeError(`not a length: '${text}' (use e.g. 8k, 32k, 1m or 8192)`);
  const unit = (m[2] ?? "").toLowerCase();
  return Number(m[1]) * (unit === "k" ? 2 ** 10 : unit === "m" ? 2 ** 20 : 1);
}

/** `8192` → `8K`, `1048576` → `1M`; other numbers as they are. */
export function formatLength(tokens: number): string {
  if (tokens % 2 ** 20 === 0) return `${tokens / 2 ** 20}M`;
  if (tokens % 2 ** 10 === 0) return `${tokens / 2 ** 10}K`;
  return String(tokens);
}

function sniahCase(lengthTokens: number, sample: number, samples: number, seed: number): CapabilityCase {
  // Spread the needle evenly through the haystack over the samples, away from both edges.
  const depth = (sample + 0.5) / samples;
  const task = generateSniah({ seed, lengthTokens, depth });
  return {
    kind: "sniah",
    lengthTokens,
    sample,
    seed,
    context: task.context,
    query: task.query,
    prompt: formatSniahPrompt(task),
    expected: task.expected,
    detail: `needle at depth ${task.meta.actualDepth.toFixed(2)}`,
    score: (answer) => scoreSniah(answer, task.expected),
  };
}

function oolongCase(lengthTokens: number, sample: number, seed: number): CapabilityCase {
  // Counting questions are OOLONG's core (trec_coarse) group and the one the scripted solver answers.
  const task = generateOolong({ seed, lengthTokens, kind: "counting" });
  return {
    kind: "oolong",
    lengthTokens,
    sample,
    seed,
    context: task.context,
    query: task.query,
    // OOLONG's standard input is the window, a newline, then the question (reference §4.7, dataset facts).
    prompt: `${task.context}\n${task.query}`,
    expected: task.expected,
    detail: task.meta.task,
    score: (answer) => scoreOolong(answer, task.expected, task.meta.answerType),
  };
}

/**
 * The run's cases, grouped by kind then length then sample. A case is a pure function of the run's seed, its kind,
 * length and sample index, so adding lengths or samples never changes the cases already there.
 */
export function* buildCases(options: SuiteOptions): Generator<CapabilityCase> {
  for (const kind of options.kinds) {
    for (const lengthTokens of options.lengths) {
      for (let sample = 0; sample < options.samples; sample++) {
        const seed = deriveSeed(options.seed, `capability-${kind}-${lengthTokens}-${sample}`);
        yield kind === "sniah"
          ? sniahCase(lengthTokens, sample, options.samples, seed)
          : oolongCase(lengthTokens, sample, seed);
      }
    }
  }
}
