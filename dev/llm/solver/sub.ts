/**
 * The solver as a sub-model (`llm_query` target): it answers by reading the prompt text, deterministically.
 * Rules, first match wins:
 * - a needle question ("special magic number for "KEY"" / RULER wording) → the value(s) of the needle sentences
 *   "... special magic number(s) for KEY is: VALUE" found in the prompt, comma-separated, or `NONE`;
 * - "count …" / "classify …" with JSON asked for, over `||` data lines → `{"label": count, …}` (see `classify.ts`);
 * - a counting question (how many with label L, most/least common, compare) over data lines → the answer in
 *   OOLONG's form (`Answer: 12`, `Label: entity`, `Answer: a is more common than b`) — this is what a depth-limited
 *   `rlm_query` that degrades to `llm_query` gets;
 * - "Count the characters of the text after the line '---'" → that count (code points, as Python's `len`);
 * - `ping N` → `pong N`;
 * - anything else → a fixed sentence naming the prompt's size.
 */
import { countLabels, type DataLine, dataLines } from "./classify";
import { type CountTask, detectCount, detectNiah, type NiahTask } from "./task";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Values of the needles for `task.key` in `text`, in order of appearance, without repeats. */
export function findNeedles(text: string, task: NiahTask): string[] {
  const re = new RegExp(`magic ${task.valueKind}s? for ${escapeRegExp(task.key)}\\s+is:?\\s*([0-9A-Za-z-]+)`, "gi");
  return [...new Set([...text.matchAll(re)].map((m) => m[1] ?? ""))].filter(Boolean);
}

/** The answer to a counting question over `lines`, in the form OOLONG's scorer parses. */
export function answerCount(task: CountTask, lines: readonly DataLine[]): string {
  const selected = task.users ? lines.filter((l) => l.user !== undefined && task.users?.includes(l.user)) : lines;
  const counts: Record<string, number> = Object.fromEntries(task.labels.map((l) => [l, 0]));
  for (const [label, n] of Object.entries(countLabels(selected))) counts[label] = n;
  const labels = Object.keys(counts).sort();
  const by = (pick: (a: number, b: number) => boolean) =>
    labels.reduce<string | undefined>(
      (best, l) => (best === undefined || pick(counts[l] ?? 0, counts[best] ?? 0) ? l : best),
      undefined,
    );
  switch (task.mode) {
    case "count":
      return `Answer: ${counts[task.target ?? ""] ?? 0}`;
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
  }
}

/** The sub-model's reply to one prompt. */
export function subReply(prompt: string): string {
  const niah = detectNiah(prompt);
  if (niah) return findNeedles(prompt, niah).join(", ") || "NONE";

  const instruction = prompt.slice(0, 400);
  if (/\b(count|classify)\b/i.test(instruction) && /\bJSON\b/.test(instruction)) {
    return JSON.stringify(countLabels(dataLines(prompt)));
  }
  const lines = dataLines(prompt);
  const question = detectCount(prompt);
  if (question && lines.length > 0) return answerCount(question, lines);

  const sep = prompt.indexOf("\n---\n");
  if (/count the characters/i.test(instruction) && sep >= 0) return String([...prompt.slice(sep + 5)].length);

  const ping = /^\s*ping\s+(\S+)/i.exec(prompt);
  if (ping) return `pong ${ping[1]}`;
  return `I read a prompt of ${prompt.length} characters and found no task I know how to do.`;
}
