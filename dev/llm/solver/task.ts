/**
 * Recognises the two task families the solver can do from the text of a question (or of a sub-call prompt):
 * S-NIAH ("What is the special magic number for X mentioned in the provided text?") and OOLONG-style label counting
 * ("how many data points should be classified as label 'entity'?", most/least common label, comparisons), plus the
 * modifiers "fan out N" and "[part i/n]" (the marker a depth-2 root puts on its children's questions).
 */

/** A needle question. */
export interface NiahTask {
  kind: "niah";
  key: string;
  valueKind: "number" | "uuid";
}

/** What a counting question asks for. `all`: every label's count as JSON (the depth-2 child question). */
export type CountMode = "count" | "most" | "least" | "compare" | "all";

/** A label-counting question. */
export interface CountTask {
  kind: "count";
  mode: CountMode;
  /** The label asked about (`count`), or the first of the pair (`compare`); lower case. */
  target?: string;
  /** The second label of a `compare`. */
  other?: string;
  /** Only lines of these user ids count, when the question restricts to a subset. */
  users?: string[];
  /** Labels the question lists, lower case; they count as 0 when absent (matters for "least common"). */
  labels: string[];
}

/** A question with no task the solver knows. */
export interface UnknownTask {
  kind: "unknown";
}

/** Any recognised task. */
export type Task = NiahTask | CountTask | UnknownTask;

/** A task with its modifiers. */
export interface Detected {
  task: Task;
  /** "fan out N": issue exactly N sub-calls. */
  fanOut?: number;
  /** "[part i/n]": this run answers for one part of a parent's context. */
  part?: { index: number; total: number };
}

/** The six TREC-coarse labels OOLONG's trec_coarse split uses. */
export const TREC_LABELS = [
  "abbreviation",
  "entity",
  "description and abstract concept",
  "human being",
  "location",
  "numeric value",
] as const;

// Quoted form first: it is what the solver itself writes into sub-call prompts, and it is unambiguous.
const NIAH_QUOTED = /special magic (number|uuid)s? for ["“']([^"”']+)["”']/i;
// RULER's wording. Needle sentences ("... for KEY is: 123.") never say "mentioned in".
const NIAH_RULER = /special magic (number|uuid)s? for (.+?)\s+mentioned in the (?:provided )?(?:text|context)/i;

/** Finds a needle question in `text`. */
export function detectNiah(text: string): NiahTask | null {
  const m = NIAH_QUOTED.exec(text) ?? NIAH_RULER.exec(text);
  if (!m?.[1] || !m[2]) return null;
  return { kind: "niah", key: m[2].trim(), valueKind: m[1].toLowerCase() === "uuid" ? "uuid" : "number" };
}

const QUOTED = `['"“]([^'"”]+)['"”]`;
const COUNT_ONE = new RegExp(`classified as (?:the )?label ${QUOTED}`, "i");
const COUNT_LABEL = new RegExp(
  `how many (?:items|data points|instances|lines)[^?]*?(?:have|with) (?:the )?label ${QUOTED}`,
  "i",
);
// The lookahead keeps OOLONG's "most frequent user/date" questions out.
const MOST =
  /\b(?:most (?:common|frequent)(?! user| date)|which (?:of the )?labels? (?:is|occurs?|appears?) (?:the )?most)\b/i;
const LEAST =
  /\b(?:least (?:common|frequent)(?! user| date)|which (?:of the )?labels? (?:is|occurs?|appears?) (?:the )?least)\b/i;
const COMPARE = new RegExp(`label ${QUOTED}[^?]*?more common[^?]*?less common[^?]*?label ${QUOTED}`, "i");
const COUNT_ALL = /\bcount (?:the |all )?(?:data )?lines\b[^.]*\bby label\b/i;
const USERS = /only consider[^.]*?user IDs?\s*((?:\d+\s*(?:,|and)?\s*)+)/i;
const LABEL_LIST = /one of (?:these|the following|\d+) (?:categories|labels)\s*:\s*([^.\n]+)/i;

function labelList(text: string): string[] {
  const m = LABEL_LIST.exec(text);
  if (!m?.[1]) return [];
  return m[1]
    .split(",")
    .map((s) =>
      s
        .trim()
        .replace(/^(?:and|or)\s+/i, "")
        .toLowerCase(),
    )
    .filter((s) => s.length > 0 && s.length < 60);
}

/** Finds a counting question in `text`. */
export function detectCount(text: string): CountTask | null {
  const users = USERS.exec(text)?.[1]?.match(/\d+/g) ?? undefined;
  const labels = labelList(text);
  const base = { kind: "count" as const, labels, ...(users ? { users } : {}) };
  const cmp = COMPARE.exec(text);
  if (cmp?.[1] && cmp[2])
    return { ...base, mode: "compare", target: cmp[1].toLowerCase(), other: cmp[2].toLowerCase() };
  const one = COUNT_ONE.exec(text) ?? COUNT_LABEL.exec(text);
  if (one?.[1]) return { ...base, mode: "count", target: one[1].trim().toLowerCase() };
  if (COUNT_ALL.test(text)) return { ...base, mode: "all" };
  // "most common" also appears inside compare questions, which were handled above.
  if (LEAST.test(text)) return { ...base, mode: "least" };
  if (MOST.test(text)) return { ...base, mode: "most" };
  return null;
}

/** Recognises the task and its modifiers in a question. */
export function detectTask(text: string): Detected {
  const task: Task = detectNiah(text) ?? detectCount(text) ?? { kind: "unknown" };
  const out: Detected = { task };
  const fan = /\bfan[- ]?out\s+(\d+)\b/i.exec(text);
  // 4096 keeps a typo from asking the engine for millions of calls.
  if (fan?.[1]) out.fanOut = Math.max(1, Math.min(4096, Number(fan[1])));
  const part = /\[part (\d+)\/(\d+)\]/i.exec(text);
  if (part?.[1] && part[2]) out.part = { index: Number(part[1]), total: Number(part[2]) };
  return out;
}
