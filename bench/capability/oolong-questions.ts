/**
 * Questions about an OOLONG window (reference §4.7, step 4): counting, user and timeline questions over the hidden
 * labels, each with an answer-format instruction the official parser expects and a gold answer computed from the
 * true labels. A question is only asked when its gold answer is unambiguous.
 */
import { formatMonth, MONTH_NAMES } from "./calendar";
import { OOLONG_FIRST_DAY, OOLONG_LAST_DAY, type OolongItem, type OolongWindow } from "./oolong-window";
import type { Rng } from "./prng";

// The recipe only asks "most/least common" when the winner leads by more than 2 % of the items, and compares two
// labels only when they differ by more than 2 % or tie, so small counting slips cannot flip the gold answer.
const MIN_GAP_SHARE = 0.02;
// Parameter draws (label, user pair, month) tried before a question type is declared ineligible for a window.
const DRAWS_PER_TASK = 24;

/** The three OOLONG task groups and the question types implemented for each. */
export const OOLONG_TASKS = {
  counting: ["most-common-label", "least-common-label", "relative-frequency", "label-count"],
  user: ["most-frequent-user", "user-most-label", "user-pair-label"],
  timeline: ["most-frequent-date", "label-count-in-month", "first-month-more", "months-more"],
} as const;

/** An OOLONG task group. */
export type OolongKind = keyof typeof OOLONG_TASKS;
/** One question type of some task group. */
export type OolongTaskName = (typeof OOLONG_TASKS)[OolongKind][number];
/** How an answer is compared with the gold answer; see `scoreOolong`. */
export type OolongAnswerType = "label" | "comparison" | "numeric" | "user" | "date" | "month";

/** A question about a window, with its gold answer as the string a perfect model would write after the colon. */
export interface OolongQuestion {
  kind: OolongKind;
  task: OolongTaskName;
  query: string;
  expected: string;
  answerType: OolongAnswerType;
}

function countBy<T>(items: readonly T[], key: (item: T) => string, keys: readonly string[] = []): Map<string, number> {
  const counts = new Map<string, number>(keys.map((k) => [k, 0]));
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** The key with the highest (or lowest) count if it beats every other key by more than `gap`, else undefined. */
function clearWinner(counts: Map<string, number>, gap: number, lowest = false): string | undefined {
  const sorted = [...counts].sort((a, b) => (lowest ? a[1] - b[1] : b[1] - a[1]));
  const [first, second] = sorted;
  if (!first || !second) return first?.[0];
  return Math.abs(first[1] - second[1]) > gap ? first[0] : undefined;
}

const LABEL_FORMAT = "Give your final answer in the form 'Label: answer'.";
const USER_FORMAT = "Give your final answer in the form 'User: [X]', where [X] is the user ID.";
const NUMBER_FORMAT = "Give your final answer in the form 'Answer: number'.";
const DATE_FORMAT = "Give your final answer in the form 'Date: [X]', where [X] is the date as MM/DD/YYYY.";
const MONTH_FORMAT = "Give your final answer in the form 'Answer: [month] [year]', for example 'Answer: March 2023'.";

function months(): string[] {
  const out: string[] = [];
  for (let y = Number(OOLONG_FIRST_DAY.slice(0, 4)); y <= Number(OOLONG_LAST_DAY.slice(0, 4)); y++) {
    for (let m = 1; m <= 12; m++) out.push(`${y}-${String(m).padStart(2, "0")}`);
  }
  return out;
}

/** Per calendar month (oldest first), how many items carry label `a` and label `b`. */
function monthlyPair(items: readonly OolongItem[], a: string, b: string): Array<[month: string, a: number, b: number]> {
  const ca = countBy(
    items.filter((i) => i.label === a),
    (i) => i.date.slice(0, 7),
  );
  const cb = countBy(
    items.filter((i) => i.label === b),
    (i) => i.date.slice(0, 7),
  );
  return months().map((m) => [m, ca.get(m) ?? 0, cb.get(m) ?? 0]);
}

type Draft = Omit<OolongQuestion, "kind" | "task">;

/** One attempt at a question of type `task`, with parameters drawn from `rng`; undefined when ineligible. */
function draft(window: OolongWindow, task: OolongTaskName, rng: Rng): Draft | undefined {
  const { items } = window;
  const labels = window.labelSet.labels;
  const labelCounts = countBy(items, (i) => i.label, labels);
  const gap = MIN_GAP_SHARE * items.length;
  const x = rng.pick(labels);
  const [a, b] = rng.shuffle(labels) as [string, string];
  switch (task) {
    case "most-common-label":
    case "least-common-label": {
      const lowest = task === "least-common-label";
      const winner = clearWinner(labelCounts, gap, lowest);
      const which = lowest ? "least" : "most";
      return winner === undefined
        ? undefined
        : {
            query: `Which label is the ${which} common across all lines? ${LABEL_FORMAT}`,
            expected: winner,
            answerType: "label",
          };
    }
    case "relative-frequency": {
      const diff = (labelCounts.get(a) ?? 0) - (labelCounts.get(b) ?? 0);
      if (diff !== 0 && Math.abs(diff) <= gap) return undefined;
      const expected = diff > 0 ? "more common than" : diff < 0 ? "less common than" : "same frequency as";
      return {
        query:
          `Across all lines, how does the frequency of label '${a}' compare with that of label '${b}'? Give your ` +
          `final answer in the form 'Answer: ${a} is [X] ${b}', where [X] is 'more common than', ` +
          `'less common than', or 'same frequency as'.`,
        expected,
        answerType: "comparison",
      };
    }
    case "label-count":
      return {
        query: `How many lines should be labelled '${x}'? ${NUMBER_FORMAT}`,
        expected: String(labelCounts.get(x) ?? 0),
        answerType: "numeric",
      };
    case "most-frequent-user": {
      const winner = clearWinner(
        countBy(items, (i) => i.user),
        0,
      );
      return winner === undefined
        ? undefined
        : { query: `Which user ID appears on the most lines? ${USER_FORMAT}`, expected: winner, answerType: "user" };
    }
    case "user-most-label": {
      const winner = clearWinner(
        countBy(
          items.filter((i) => i.label === x),
          (i) => i.user,
        ),
        0,
      );
      return winner === undefined
        ? undefined
        : {
            query: `Which user ID has the most lines labelled '${x}'? ${USER_FORMAT}`,
            expected: winner,
            answerType: "user",
          };
    }
    case "user-pair-label": {
      const present = [...new Set(items.map((i) => i.user))];
      if (present.length < 2) return undefined;
      const [u, v] = rng.shuffle(present) as [string, string];
      const counts = countBy(
        items.filter((i) => i.label === x && (i.user === u || i.user === v)),
        (i) => i.user,
        [u, v],
      );
      const winner = clearWinner(counts, 0);
      return winner === undefined
        ? undefined
        : {
            query: `Which of the users ${u} and ${v} has more lines labelled '${x}'? ${USER_FORMAT}`,
            expected: winner,
            answerType: "user",
          };
    }
    case "most-frequent-date": {
      const winner = clearWinner(
        countBy(items, (i) => i.date),
        0,
      );
      return winner === undefined
        ? undefined
        : { query: `Which date appears on the most lines? ${DATE_FORMAT}`, expected: winner, answerType: "date" };
    }
    case "label-count-in-month": {
      const month = rng.int(1, 12);
      const inMonth = items.filter((i) => Number(i.date.slice(5, 7)) === month && i.label === x);
      return {
        query:
          `For the following question, only consider the lines dated in ${MONTH_NAMES[month - 1]} of any year. ` +
          `How many of those lines should be labelled '${x}'? ${NUMBER_FORMAT}`,
        expected: String(inMonth.length),
        answerType: "numeric",
      };
    }
    case "first-month-more": {
      const monthly = monthlyPair(items, a, b);
      const first = monthly.find(([, ca, cb]) => ca > cb);
      // The very first month as the answer usually just means `a` is the more common label overall: too easy.
      return first === undefined || first === monthly[0]
        ? undefined
        : {
            query:
              `Going through the calendar months in order, what is the first month in which there are more lines ` +
              `labelled '${a}' than lines labelled '${b}'? ${MONTH_FORMAT}`,
            expected: formatMonth(first[0]),
            answerType: "month",
          };
    }
    case "months-more": {
      const monthly = monthlyPair(items, a, b);
      const count = monthly.filter(([, ca, cb]) => ca > cb).length;
      // None or all of the months follows from the overall frequencies alone; ask only when months disagree.
      if (count === 0 || count === monthly.length) return undefined;
      return {
        query:
          `In how many calendar months (each month of each year counted separately) are there more lines labelled ` +
          `'${a}' than lines labelled '${b}'? ${NUMBER_FORMAT}`,
        expected: String(count),
        answerType: "numeric",
      };
    }
  }
}

/** The task group a question type belongs to. */
export function kindOf(task: OolongTaskName): OolongKind {
  const kinds = Object.keys(OOLONG_TASKS) as OolongKind[];
  return kinds.find((k) => (OOLONG_TASKS[k] as readonly string[]).includes(task)) as OolongKind;
}

/**
 * Asks a question of type `task` about `window`, drawing its parameters (labels, users, month) from `rng`. Returns
 * undefined when no draw gives a well-posed question — for example no user clearly has the most lines — because the
 * recipe only asks questions whose gold answer is unambiguous.
 */
export function askOolong(window: OolongWindow, task: OolongTaskName, rng: Rng): OolongQuestion | undefined {
  for (let i = 0; i < DRAWS_PER_TASK; i++) {
    const d = draft(window, task, rng);
    if (d) return { kind: kindOf(task), task, ...d };
  }
  return undefined;
}
