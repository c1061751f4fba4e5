/**
 * The solver as a sub-model (`llm_query` target): it answers by reading the prompt text, deterministically.
 * Rules, first match wins:
 * - a needle question ("special magic number for "KEY"" / RULER wording) → the value(s) of the needle sentences
 *   "... special magic number(s) for KEY is: VALUE" found in the prompt, comma-separated, or `NONE`;
 * - "classify …" with a "JSON list" asked for, over `||` data lines → `["label", …]`, one per line in order;
 * - "count …" / "classify …" with JSON asked for, over `||` data lines → `{"label": count, …}` (see `classify.ts`;
 *   a label list in the prompt, "one of these labels: 'a', 'b'", picks the classifier);
 * - an OOLONG question (how many with label L, most/least common, compare; the user and timeline questions) over
 *   data lines → the answer in OOLONG's form (`Answer: 12`, `Label: entity`, `Answer: a is more common than b`,
 *   `User: 12345`, `Date: 01/06/2023`, `Answer: March 2023`) — what a depth-limited `rlm_query` that degrades to
 *   `llm_query` gets, and what the long-context baseline (window + question in one prompt) gets;
 * - "Count the characters of the text after the line '---'" → that count (code points, as Python's `len`);
 * - `ping N` → `pong N`;
 * - anything else → a fixed sentence naming the prompt's size.
 */
import { countLabels, type DataLine, dataLines, parseLineDate } from "./classify";
import { type CountTask, detectCount, detectNiah, labelList, type NiahTask, PER_LINE_MODES } from "./task";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Values of the needles for `task.key` in `text`, in order of appearance, without repeats. */
export function findNeedles(text: string, task: NiahTask): string[] {
  const re = new RegExp(`magic ${task.valueKind}s? for ${escapeRegExp(task.key)}\\s+is:?\\s*([0-9A-Za-z-]+)`, "gi");
  return [...new Set([...text.matchAll(re)].map((m) => m[1] ?? ""))].filter(Boolean);
}

/** The key with the highest count; ties go to the first in sort order, as the solver's Python does. */
function top<K extends string>(tally: Map<K, number>): K | undefined {
  let best: K | undefined;
  for (const k of [...tally.keys()].sort())
    if (best === undefined || (tally.get(k) ?? 0) > (tally.get(best) ?? 0)) best = k;
  return best;
}

function bump<K>(tally: Map<K, number>, key: K): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const MONTH_NAMES = "January February March April May June July August September October November December".split(" ");

/** The answer to a user or timeline question over `lines`. */
function answerPerLine(task: CountTask, lines: readonly DataLine[]): string {
  switch (task.mode) {
    case "pair-user": {
      const [u, v] = task.pair ?? ["", ""];
      const n = (user: string) => lines.filter((l) => l.label === task.target && l.user === user).length;
      return `User: ${n(u) >= n(v) ? u : v}`;
    }
    case "top-date": {
      const tally = new Map<string, number>();
      for (const l of lines) {
        const d = parseLineDate(l.date);
        if (d) bump(tally, `${pad(d[0], 4)}-${pad(d[1])}-${pad(d[2])}`);
      }
      const best = top(tally);
      return best ? `Date: ${best.slice(5, 7)}/${best.slice(8, 10)}/${best.slice(0, 4)}` : "Date: unknown";
    }
    case "first-month":
    case "months": {
      const monthly = new Map<string, [number, number]>();
      for (const l of lines) {
        const d = parseLineDate(l.date);
        if (!d || (l.label !== task.target && l.label !== task.other)) continue;
        const key = `${pad(d[0], 4)}-${pad(d[1])}`;
        const pair = monthly.get(key) ?? [0, 0];
        pair[l.label === task.target ? 0 : 1] += 1;
        monthly.set(key, pair);
      }
      const more = [...monthly.keys()].sort().filter((k) => {
        const [a, b] = monthly.get(k) ?? [0, 0];
        return a > b;
      });
      if (task.mode === "months") return `Answer: ${more.length}`;
      const first = more[0];
      return first ? `Answer: ${MONTH_NAMES[Number(first.slice(5)) - 1]} ${first.slice(0, 4)}` : "Answer: none";
    }
    default: {
      const tally = new Map<string, number>();
      for (const l of lines) if (l.user !== undefined && (!task.target || l.label === task.target)) bump(tally, l.user);
      return `User: ${top(tally) ?? "unknown"}`;
    }
  }
}

/** The answer to a counting, user or timeline question over `lines`, in the form OOLONG's scorer parses. */
export function answerCount(task: CountTask, lines: readonly DataLine[]): string {
  const selected = lines.filter(
    (l) =>
      (!task.users || (l.user !== undefined && task.users.includes(l.user))) &&
      (task.month === undefined || parseLineDate(l.date)?.[1] === task.month),
  );
  if (PER_LINE_MODES.includes(task.mode)) return answerPerLine(task, selected);
  const counts: Record<string, number> = Object.fromEntries(task.labels.map((l) => [l, 0]));
  for (const [label, n] of Object.entries(countLabels(selected))) counts[label] = n;
  const labels = Object.keys(counts).sort();
  const by = (pick: (a: number, b: number) => boolean) =>
    labels.reduce<string | undefined>(
      (best, l) => (best === undefined || pick(counts[l] ?? 0, counts[best] ?? 0) ? l : best),
      undefined,
    );
  switch (task.mode) {
    case "most":
      return `Label: ${by((a, b) => a > b) ?? "unknown"}`;
    case "least":
      return `Label: ${by((a, b) => a < b) ?? "unknown"}`;
    case "compare": {
      const a = counts[task.target ?? ""] ?? 0;
      const b = counts[task.other ?? ""] ?? 0;
      const rel = a > b ? "more common than" : a < b ? "less common than" : "same frequency as";
      return `Answer: ${task.target} is ${rel} ${task.other}`;
    }
    case "all":
      return JSON.stringify(counts);
    default:
      return `Answer: ${counts[task.target ?? ""] ?? 0}`;
  }
}

/** The sub-model's reply to one prompt. */
export function subReply(prompt: string): string {
  const niah = detectNiah(prompt);
  if (niah) return findNeedles(prompt, niah).join(", ") || "NONE";

  const instruction = prompt.slice(0, 400);
  const labels = labelList(prompt);
  if (/\bclassify\b/i.test(instruction) && /\bJSON list\b/.test(instruction)) {
    return JSON.stringify(dataLines(prompt, labels).map((l) => l.label));
  }
  if (/\b(count|classify)\b/i.test(instruction) && /\bJSON\b/.test(instruction)) {
    return JSON.stringify(countLabels(dataLines(prompt, labels)));
  }
  const lines = dataLines(prompt, labels);
  // The question follows the window in a long-context prompt; reading it there keeps instance texts out of it.
  const lastLine = prompt.lastIndexOf("||");
  const tail = lastLine >= 0 ? prompt.slice(prompt.indexOf("\n", lastLine) + 1 || prompt.length) : "";
  const question = (tail && detectCount(tail)) || detectCount(prompt);
  if (question && lines.length > 0) {
    return answerCount(question.labels.length > 0 ? question : { ...question, labels }, lines);
  }

  const sep = prompt.indexOf("\n---\n");
  if (/count the characters/i.test(instruction) && sep >= 0) return String([...prompt.slice(sep + 5)].length);

  const ping = /^\s*ping\s+(\S+)/i.exec(prompt);
  if (ping) return `pong ${ping[1]}`;
  return `I read a prompt of ${prompt.length} characters and found no task I know how to do.`;
}
