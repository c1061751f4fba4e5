/**
 * OOLONG-style aggregation tasks (reference §4.7): a context window of lines with hidden labels (`oolong-window.ts`)
 * and one counting, user or timeline question about it (`oolong-questions.ts`), scored by `scoreOolong`.
 */
import type { LabelSetName } from "./oolong-instances";
import {
  askOolong,
  kindOf,
  OOLONG_TASKS,
  type OolongAnswerType,
  type OolongKind,
  type OolongTaskName,
} from "./oolong-questions";
import { buildOolongWindow, type OolongItem, type OolongWindowOptions } from "./oolong-window";
import { createRng, deriveSeed } from "./prng";

/** Inputs of {@link generateOolong}: a window plus the task group, and optionally one question type of it. */
export interface OolongOptions extends OolongWindowOptions {
  kind: OolongKind;
  task?: OolongTaskName;
}

/** One OOLONG task: put `context` in the REPL, ask `query` as the root prompt, score with `scoreOolong`. */
export interface OolongTask {
  context: string;
  query: string;
  expected: string;
  kind: OolongKind;
  meta: {
    seed: number;
    task: OolongTaskName;
    answerType: OolongAnswerType;
    labelSet: LabelSetName;
    labels: readonly string[];
    /** The hidden truth: every line with its label, in context order. */
    items: readonly OolongItem[];
    requestedTokens: number;
    approxTokens: number;
  };
}

/**
 * Generates one OOLONG task. The window depends only on seed, length and label set, so the questions of one window
 * (one per seed-derived stream) share a context, as OOLONG's 50 questions per window do.
 *
 * @example
 * const task = generateOolong({ seed: 3, lengthTokens: 2 ** 17, kind: "counting" });
 * scoreOolong(modelAnswer, task.expected, task.meta.answerType); // in [0, 1]
 */
export function generateOolong(options: OolongOptions): OolongTask {
  if (options.task && kindOf(options.task) !== options.kind) {
    throw new RangeError(`task ${options.task} is not a ${options.kind} task`);
  }
  const window = buildOolongWindow(options);
  const rng = createRng(deriveSeed(options.seed, `oolong-question-${options.kind}-${options.task ?? "any"}`));
  const candidates = options.task ? [options.task] : rng.shuffle(OOLONG_TASKS[options.kind]);
  for (const task of candidates) {
    const question = askOolong(window, task, rng);
    if (!question) continue;
    return {
      context: window.context,
      query: question.query,
      expected: question.expected,
      kind: question.kind,
      meta: {
        seed: options.seed,
        task,
        answerType: question.answerType,
        labelSet: window.labelSet.name,
        labels: window.labelSet.labels,
        items: window.items,
        requestedTokens: window.requestedTokens,
        approxTokens: window.approxTokens,
      },
    };
  }
  throw new RangeError(`no well-posed ${options.task ?? options.kind} question for seed ${options.seed}`);
}
