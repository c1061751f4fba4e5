import { describe, expect, it } from "vitest";
import { generateOolong } from "./oolong";
import { askOolong, OOLONG_TASKS, type OolongQuestion, type OolongTaskName } from "./oolong-questions";
import { buildOolongWindow, type OolongItem, type OolongWindow } from "./oolong-window";
import { createRng } from "./prng";

const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
const FULL_MONTHS = "January February March April May June July August September October November December".split(" ");

/** Counts by key, independently of the generator's own helper. */
function tally(items: readonly OolongItem[], key: (i: OolongItem) => string, keys: readonly string[] = []) {
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function top(counts: Record<string, number>, lowest = false): [string, number, number] {
  const sorted = Object.entries(counts).sort((a, b) => (lowest ? a[1] - b[1] : b[1] - a[1]));
  return [sorted[0]?.[0] as string, sorted[0]?.[1] as number, sorted[1]?.[1] as number];
}

/** Recomputes a question's answer from the hidden labels, reading the parameters back out of the question text. */
function recount(window: OolongWindow, q: OolongQuestion): string {
  const items = window.items;
  const labels = window.labelSet.labels;
  const quoted = [...q.query.matchAll(/'([^']+)'/g)].map((m) => m[1] as string).filter((s) => labels.includes(s));
  const [a, b] = quoted as [string, string];
  const ym = (i: OolongItem) => i.date.slice(0, 7);
  const calendar = [2022, 2023, 2024, 2025].flatMap((y) =>
    MONTHS.map((_, m) => `${y}-${String(m + 1).padStart(2, "0")}`),
  );
  const monthly = calendar.map((m) => {
    const inMonth = items.filter((i) => ym(i) === m);
    return [m, inMonth.filter((i) => i.label === a).length, inMonth.filter((i) => i.label === b).length] as const;
  });
  switch (q.task) {
    case "most-common-label":
    case "least-common-label": {
      const [label, first, second] = top(
        tally(items, (i) => i.label, labels),
        q.task === "least-common-label",
      );
      expect(Math.abs(first - second)).toBeGreaterThan(0.02 * items.length);
      return label;
    }
    case "relative-frequency": {
      const ca = items.filter((i) => i.label === a).length;
      const cb = items.filter((i) => i.label === b).length;
      return ca > cb ? "more common than" : ca < cb ? "less common than" : "same frequency as";
    }
    case "label-count":
      return String(items.filter((i) => i.label === a).length);
    case "most-frequent-user":
    case "user-most-label": {
      const pool = q.task === "user-most-label" ? items.filter((i) => i.label === a) : items;
      const [user, first, second] = top(tally(pool, (i) => i.user));
      expect(first).toBeGreaterThan(second ?? 0);
      return user;
    }
    case "user-pair-label": {
      const [, u, v] = /users (\d{5}) and (\d{5})/.exec(q.query) as unknown as [string, string, string];
      const cu = items.filter((i) => i.user === u && i.label === a).length;
      const cv = items.filter((i) => i.user === v && i.label === a).length;
      expect(cu).not.toBe(cv);
      return cu > cv ? u : v;
    }
    case "most-frequent-date": {
      const [date, first, second] = top(tally(items, (i) => i.date));
      expect(first).toBeGreaterThan(second);
      return date;
    }
    case "label-count-in-month": {
      const month = FULL_MONTHS.indexOf((/dated in (\w+) of any year/.exec(q.query) as RegExpExecArray)[1] as string);
      return String(items.filter((i) => Number(i.date.slice(5, 7)) === month + 1 && i.label === a).length);
    }
    case "first-month-more": {
      const [m] = monthly.find(([, ca, cb]) => ca > cb) ?? [""];
      return `${FULL_MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}`;
    }
    case "months-more":
      return String(monthly.filter(([, ca, cb]) => ca > cb).length);
  }
}

describe("buildOolongWindow", () => {
  it("is a pure function of seed, length and label set", () => {
    const a = buildOolongWindow({ seed: 1, lengthTokens: 2 ** 12 });
    expect(buildOolongWindow({ seed: 1, lengthTokens: 2 ** 12 })).toEqual(a);
    expect(buildOolongWindow({ seed: 2, lengthTokens: 2 ** 12 }).context).not.toBe(a.context);
    expect(buildOolongWindow({ seed: 1, lengthTokens: 2 ** 12, labelSet: "sentiment" }).context).not.toBe(a.context);
  });

  it.each([2 ** 10, 2 ** 13, 2 ** 17])("hits %s approximate tokens (chars / 4) within ±2 %", (lengthTokens) => {
    const w = buildOolongWindow({ seed: 6, lengthTokens });
    expect(Math.abs(w.context.length / 4 - lengthTokens) / lengthTokens).toBeLessThanOrEqual(0.02);
  });

  it("writes one `Date || User || Instance` line per item, in order, without labels", () => {
    const w = buildOolongWindow({ seed: 3, lengthTokens: 2 ** 13 });
    const lines = w.context.split("\n");
    expect(lines[0]).toContain(`The following ${w.items.length} lines`);
    expect(lines.at(-1)).toMatch(/^Recall:/);
    const body = lines.slice(1, -1);
    expect(body).toHaveLength(w.items.length);
    body.forEach((line, k) => {
      const m = /^Date: (\w{3}) (\d{2}), (\d{4}) \|\| User: (\d{5}) \|\| Instance: (.+)$/.exec(line);
      expect(m).not.toBeNull();
      const [, mon, day, year, user, instance] = m as unknown as string[];
      const item = w.items[k] as OolongItem;
      expect(`${year}-${String(MONTHS.indexOf(mon as string) + 1).padStart(2, "0")}-${day}`).toBe(item.date);
      expect(user).toBe(item.user);
      expect(instance).toBe(item.instance);
    });
    expect(w.context).not.toContain("Label:");
  });

  it("follows the recipe's shape: 2022–2025 dates, heavy users, several labels, unambiguous instances", () => {
    const w = buildOolongWindow({ seed: 4, lengthTokens: 2 ** 16 });
    expect(w.items.every((i) => i.date >= "2022-01-01" && i.date <= "2025-12-31")).toBe(true);
    const heavy = new Set(w.users.slice(0, Math.ceil(w.users.length * 0.2)));
    const heavyShare = w.items.filter((i) => heavy.has(i.user)).length / w.items.length;
    expect(heavyShare).toBeGreaterThan(0.75);
    expect(heavyShare).toBeLessThan(0.85);
    expect(new Set(w.items.map((i) => i.label)).size).toBeGreaterThan(2);
    // A text that occurs under two labels would make its label impossible to infer.
    const labelOf = new Map<string, string>();
    for (const i of w.items) {
      expect(labelOf.get(i.instance) ?? i.label).toBe(i.label);
      labelOf.set(i.instance, i.label);
    }
  });

  it("rejects lengths outside 1K–1M tokens", () => {
    expect(() => buildOolongWindow({ seed: 1, lengthTokens: 512 })).toThrow(RangeError);
    expect(() => buildOolongWindow({ seed: 1, lengthTokens: 2 ** 21 })).toThrow(RangeError);
  });
});

describe("OOLONG questions", () => {
  const tasks = Object.values(OOLONG_TASKS).flat() as OolongTaskName[];

  it.each(tasks)("%s: the gold answer matches an independent recount", (task) => {
    let asked = 0;
    for (const labelSet of ["question-type", "sentiment"] as const) {
      for (let seed = 1; seed <= 8; seed++) {
        const window = buildOolongWindow({ seed, lengthTokens: seed % 2 ? 2 ** 12 : 2 ** 15, labelSet });
        const q = askOolong(window, task, createRng(seed));
        if (!q) continue;
        asked += 1;
        expect(q.task).toBe(task);
        expect((OOLONG_TASKS[q.kind] as readonly string[]).includes(task)).toBe(true);
        expect(q.expected).toBe(recount(window, q));
      }
    }
    expect(asked).toBeGreaterThan(0);
  });

  it.each(Object.keys(OOLONG_TASKS) as Array<keyof typeof OOLONG_TASKS>)("generates a %s task", (kind) => {
    const task = generateOolong({ seed: 21, lengthTokens: 2 ** 14, kind });
    expect(task.kind).toBe(kind);
    expect(OOLONG_TASKS[kind] as readonly string[]).toContain(task.meta.task);
    expect(generateOolong({ seed: 21, lengthTokens: 2 ** 14, kind })).toEqual(task);
    expect(task.context).toBe(buildOolongWindow({ seed: 21, lengthTokens: 2 ** 14 }).context);
    const window = buildOolongWindow({ seed: 21, lengthTokens: 2 ** 14 });
    const q = {
      kind,
      task: task.meta.task,
      query: task.query,
      expected: task.expected,
      answerType: task.meta.answerType,
    };
    expect(task.expected).toBe(recount(window, q));
  });

  it("varies the question with the seed and rejects a task from another group", () => {
    const queries = new Set(
      Array.from({ length: 6 }, (_, seed) => generateOolong({ seed, lengthTokens: 2 ** 12, kind: "counting" }).query),
    );
    expect(queries.size).toBeGreaterThan(1);
    expect(() => generateOolong({ seed: 1, lengthTokens: 2 ** 12, kind: "user", task: "label-count" })).toThrow(
      RangeError,
    );
  });
});
