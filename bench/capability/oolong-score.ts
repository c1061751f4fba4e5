/**
 * Scoring of OOLONG answers with the official `oolong-synth` rules (reference §4.7, "Scoring"): parse the text after
 * the last colon, exact match, comparison phrases by containment, 0.75^|Δ| partial credit for numbers, and dates
 * compared as dates.
 */
import { parseDate, parseMonth } from "./calendar";
import type { OolongAnswerType } from "./oolong-questions";

/** The comparison phrases the official parser recognises inside a long answer (reference §4.7, scoring step 1). */
export const COMPARISON_PHRASES = ["more common", "less common", "same frequency"] as const;

// The official parser treats a candidate of 20 or more characters as a sentence, not an answer (reference §4.7).
const SHORT_ANSWER_CHARS = 20;
// Partial credit per unit of numeric error: 0.75^|gold − answer| (reference §4.7, scoring step 3).
const NUMERIC_DECAY = 0.75;

// Python's len() counts code points, not UTF-16 units.
const pyLen = (s: string) => [...s].length;

/**
 * The official answer parser (reference §4.7, scoring step 1): with no `:`, the whole answer if shorter than 20
 * characters, else its last whitespace-separated token; otherwise the text after the last `:`, trimmed, with `*`, `[`
 * and `]` removed; a candidate of 20+ characters containing a comparison phrase becomes that phrase. Kept quirks:
 * the short no-colon answer is not trimmed, and trimming happens before `*` is removed (so `**Label:** x` parses to
 * ` x` with a leading space).
 */
export function parseOolongAnswer(answer: string): string {
  if (!answer.includes(":")) {
    if (pyLen(answer) < SHORT_ANSWER_CHARS) return answer;
    return answer.split(/\s+/).filter(Boolean).at(-1) ?? "";
  }
  const candidate = (answer.split(":").at(-1) as string).trim().replace(/[*[\]]/g, "");
  if (pyLen(candidate) < SHORT_ANSWER_CHARS) return candidate;
  return COMPARISON_PHRASES.find((phrase) => candidate.includes(phrase)) ?? candidate;
}

/** Python's `int(str)`: optional sign, decimal digits with optional single underscores, surrounding whitespace. */
function pythonInt(text: string): number | undefined {
  const m = /^\s*([+-]?\d+(?:_\d+)*)\s*$/.exec(text);
  return m ? Number((m[1] as string).replace(/_/g, "")) : undefined;
}

/**
 * `official` reproduces the reference rules exactly (case-sensitive). `normalised` additionally lower-cases,
 * trims, collapses whitespace and drops a trailing period on both sides before comparing — a lenient reading in the
 * spirit of the rlm training port's case-insensitive match, useful to separate formatting slips from wrong answers.
 */
export type OolongScoringVariant = "official" | "normalised";

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim().replace(/\.$/, "");
}

/**
 * Scores `answer` against the gold answer `expected` (as produced by the generator) following the official
 * `synth_process_response` order (reference §4.7, scoring step 3):
 * 1. parsed answer equals the gold string → 1;
 * 2. else, if the parsed answer is a comparison phrase → 1 when the gold answer contains it, else 0;
 * 3. else numeric answers → 0.75^|gold − parsed| when the parsed answer is an integer, else 0;
 * 4. else dates → 1 when the parsed answer reads as the same calendar date (the official rule uses dateutil;
 *    `parseDate` accepts the common formats and never fills missing parts from today's date), else 0;
 * 5. else 0 — labels and user IDs need an exact match.
 * Month answers ("March 2023") are not a type the reference names; they are compared as months of a year, by
 * analogy with the date rule, so `Mar 2023` and `03/2023` also count.
 *
 * @example
 * scoreOolong("Answer: 40", "42", "numeric"); // 0.5625
 * scoreOolong("Answer: label A is more common than label B", "more common than", "comparison"); // 1
 */
export function scoreOolong(
  answer: string,
  expected: string,
  answerType: OolongAnswerType,
  variant: OolongScoringVariant = "official",
): number {
  let parsed = parseOolongAnswer(answer);
  let gold = expected;
  if (variant === "normalised") {
    parsed = normalise(parsed);
    gold = normalise(gold);
  }
  if (parsed === gold) return 1;
  if ((COMPARISON_PHRASES as readonly string[]).includes(parsed)) return gold.includes(parsed) ? 1 : 0;
  if (answerType === "numeric") {
    const [p, g] = [pythonInt(parsed), pythonInt(gold)];
    return p === undefined || g === undefined ? 0 : NUMERIC_DECAY ** Math.abs(g - p);
  }
  if (answerType === "date") {
    const p = parseDate(parsed);
    return p !== undefined && p === parseDate(gold) ? 1 : 0;
  }
  if (answerType === "month") {
    const p = parseMonth(parsed);
    return p !== undefined && p === parseMonth(gold) ? 1 : 0;
  }
  return 0;
}
