/**
 * Recognises the two task families the solver can do from the text of a question (or of a sub-call prompt):
 * S-NIAH ("What is the special magic number for X mentioned in the provided text?") and OOLONG-style label counting
 * ("how many data points should be classified as label 'entity'?", most/least common label, comparisons — in
 * OOLONG's wordings and in bench/capability's: "How many lines should be labelled 'x'?", the user questions "Which
 * user ID appears on the most lines?" / "has the most lines labelled 'x'?" / "Which of the users U and V …", and the
 * timeline ones: busiest date, a label's count in a month, the first month with more 'a' than 'b' lines and the
 * number of such months), plus the modifiers "fan out N" and "[part i/n]" (the marker a depth-2 root puts on its children's
 * questions).
 */

import { detectNaturalCount } from "./natural";

/** A needle question. */
export interface NiahTask {
  kind: "niah";
  key: string;
  valueKind: "number" | "uuid";
}

/**
 * What a counting question asks for. `all`: every label's count as JSON (the depth-2 child question). The rest are
 * OOLONG's user and timeline questions: `top-user` (the user with the most lines, or with the most lines of label
 * `target`), `pair-user` (which of `pair` has more lines of `target`), `top-date` (the date on the most lines),
 * `first-month` (the first calendar month with more `target` than `other` lines) and `months` (how many months have
 * more `target` than `other` lines).
 */
export type CountMode =
  | "count"
  | "most"
  | "least"
  | "compare"
  | "all"
  | "top-user"
  | "pair-user"
  | "top-date"
  | "first-month"
  | "months";

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
  /** Only lines dated in this calendar month (1–12, any year) count. */
  month?: number;
  /** The two users of a `pair-user` question. */
  pair?: [string, string];
}

/** The modes whose answer needs every line's own label (or none), not just per-label totals. */
export const PER_LINE_MODES: readonly CountMode[] = ["top-user", "pair-user", "top-date", "first-month", "months"];

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
// RULER's wording and the ways people say it: "… for KEY (mentioned) in the document / the text / this file". Needle
// sentences ("... for KEY is: 123.") never say "in the …" after the key.
const PLACE = "(?:text|context|document|documents|file|files|haystack|attachment|data)";
const NIAH_NATURAL = new RegExp(
  `(?:special |secret |hidden )?magic (number|uuid)s? (?:for|of) (.+?)(?:\\s+(?:that is |which is )?(?:mentioned|hidden|given|stated|found|written))?\\s+in (?:the|this|my|that) (?:provided |attached |uploaded |given |sample |demo )?${PLACE}`,
  "i",
);
// The bare question: "What is the magic number for gentle-comet?" (a one-word key, then the question mark).
const NIAH_BARE = /(?:special |secret |hidden )?magic (number|uuid)s? (?:for|of) ([\w][\w.-]*)\s*\?/i;

/** Finds a needle question in `text`. */
export function detectNiah(text: string): NiahTask | null {
  const m = NIAH_QUOTED.exec(text) ?? NIAH_NATURAL.exec(text) ?? NIAH_BARE.exec(text);
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
// OOLONG-generator wordings ("lines labelled 'x'"), and the user and timeline questions.
const LABELLED = `(?:labell?ed|classified as(?: label)?|with (?:the )?label)\\s+${QUOTED}`;
const ITEMS = "(?:lines|items|data points|instances|entries)";
const COUNT_LABELLED = new RegExp(`how many (?:of (?:those|these|the) )?${ITEMS}[^?]*?${LABELLED}`, "i");
const COMPARE_WITH = new RegExp(
  `frequency of label ${QUOTED} compare with (?:that of |the frequency of )?label ${QUOTED}`,
  "i",
);
const USER_MOST_LABEL = new RegExp(`which user(?: ID)? has the most ${ITEMS} ${LABELLED}`, "i");
const USER_MOST = new RegExp(`which user(?: ID)? (?:appears on|has|wrote|posted) the most ${ITEMS}`, "i");
const USER_PAIR = new RegExp(`which of the users (\\d+) and (\\d+) has more ${ITEMS} ${LABELLED}`, "i");
const DATE_MOST = new RegExp(`which date (?:appears on|has) the most ${ITEMS}`, "i");
const MORE_THAN = `more ${ITEMS} ${LABELLED} than ${ITEMS} ${LABELLED}`;
const FIRST_MONTH = new RegExp(`first (?:calendar )?month in which there (?:are|were) ${MORE_THAN}`, "i");
const MONTHS_MORE = new RegExp(`in how many (?:calendar )?months\\b[^?]*?${MORE_THAN}`, "i");
const MONTH_NAMES = "january february march april may june july august september october november december".split(" ");
const IN_MONTH = new RegExp(`only consider the ${ITEMS} dated in (${MONTH_NAMES.join("|")})\\b`, "i");

/** The labels a text lists ("one of 6 labels: 'a', 'b', …" / "one of these categories: a, b and c"), lower case. */
export function labelList(text: string): string[] {
  const m = LABEL_LIST.exec(text);
  if (!m?.[1]) return [];
  return m[1]
    .split(",")
    .map((s) =>
      s
        .trim()
        .replace(/^(?:and|or)\s+/i, "")
        .replace(/^['"“]|['"”]$/g, "")
        .trim()
        .toLowerCase(),
    )
    .filter((s) => s.length > 0 && s.length < 60);
}

const lower = (s: string | undefined) => (s ?? "").trim().toLowerCase();

/** The OOLONG user and timeline questions, and the generator's wordings of the counting ones. */
function detectOolong(text: string, base: Omit<CountTask, "mode">): CountTask | null {
  let m = USER_PAIR.exec(text);
  if (m?.[1] && m[2] && m[3]) return { ...base, mode: "pair-user", pair: [m[1], m[2]], target: lower(m[3]) };
  m = USER_MOST_LABEL.exec(text);
  if (m?.[1]) return { ...base, mode: "top-user", target: lower(m[1]) };
  if (USER_MOST.test(text)) return { ...base, mode: "top-user" };
  if (DATE_MOST.test(text)) return { ...base, mode: "top-date" };
  m = FIRST_MONTH.exec(text);
  if (m?.[1] && m[2]) return { ...base, mode: "first-month", target: lower(m[1]), other: lower(m[2]) };
  m = MONTHS_MORE.exec(text);
  if (m?.[1] && m[2]) return { ...base, mode: "months", target: lower(m[1]), other: lower(m[2]) };
  m = COMPARE_WITH.exec(text);
  if (m?.[1] && m[2]) return { ...base, mode: "compare", target: lower(m[1]), other: lower(m[2]) };
  m = COUNT_LABELLED.exec(text);
  if (m?.[1]) return { ...base, mode: "count", target: lower(m[1]) };
  return null;
}

/** Finds a counting question in `text`. */
export function detectCount(text: string): CountTask | null {
  const users = USERS.exec(text)?.[1]?.match(/\d+/g) ?? undefined;
  const labels = labelList(text);
  const monthName = IN_MONTH.exec(text)?.[1];
  const month = monthName ? MONTH_NAMES.indexOf(monthName.toLowerCase()) + 1 : undefined;
  const base = { kind: "count" as const, labels, ...(users ? { users } : {}), ...(month ? { month } : {}) };
  const oolong = detectOolong(text, base);
  if (oolong) return oolong;
  const cmp = COMPARE.exec(text);
  if (cmp?.[1] && cmp[2])
    return { ...base, mode: "compare", target: cmp[1].toLowerCase(), other: cmp[2].toLowerCase() };
  const one = COUNT_ONE.exec(text) ?? COUNT_LABEL.exec(text);
  if (one?.[1]) return { ...base, mode: "count", target: one[1].trim().toLowerCase() };
  if (COUNT_ALL.test(text)) return { ...base, mode: "all" };
  // "most common" also appears inside compare questions, which were handled above.
  if (LEAST.test(text)) return { ...base, mode: "least" };
  if (MOST.test(text)) return { ...base, mode: "most" };
  return detectNaturalCount(text, base);
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
