/**
 * The solver against bench/capability's OOLONG generator: every question type of every task group, both label sets.
 * The sub-model must label the generator's instance texts from the text alone, the root must recognise each question
 * and its Python (run for real by `mini_rlm.py`) must answer in the form the official scorer gives full credit.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateOolong, type OolongTask } from "../../bench/capability/oolong";
import type { LabelSetName } from "../../bench/capability/oolong-instances";
import { OOLONG_TASKS, type OolongKind, type OolongTaskName } from "../../bench/capability/oolong-questions";
import { scoreOolong } from "../../bench/capability/oolong-score";
import { buildOolongWindow } from "../../bench/capability/oolong-window";
import { type ScriptedLlm, startScriptedLlm } from "./index";
import { runMiniRlm } from "./mini-rlm";
import { classifyInstance, detectTask, subReply } from "./solver/index";

const LABEL_SETS: readonly LabelSetName[] = ["question-type", "sentiment"];
const CASES = (Object.entries(OOLONG_TASKS) as [OolongKind, readonly OolongTaskName[]][]).flatMap(([kind, tasks]) =>
  tasks.map((task) => ({ kind, task })),
);
// The generator's question type (kind of detected task) per OOLONG question type.
const MODES: Record<OolongTaskName, string> = {
  "most-common-label": "most",
  "least-common-label": "least",
  "relative-frequency": "compare",
  "label-count": "count",
  "most-frequent-user": "top-user",
  "user-most-label": "top-user",
  "user-pair-label": "pair-user",
  "most-frequent-date": "top-date",
  "label-count-in-month": "count",
  "first-month-more": "first-month",
  "months-more": "months",
};

/** Up to `count` well-posed tasks of one type (seeded; a seed with no unambiguous question is skipped). */
function tasksOf(
  kind: OolongKind,
  task: OolongTaskName,
  labelSet: LabelSetName,
  count: number,
  lengthTokens = 8192,
): OolongTask[] {
  const out: OolongTask[] = [];
  for (let seed = 1; seed <= 40 && out.length < count; seed++) {
    try {
      out.push(generateOolong({ seed, lengthTokens, kind, task, labelSet }));
    } catch {
      // No unambiguous question of this type for this window.
    }
  }
  return out;
}

describe("solver on the OOLONG generator: sub-model and question detection", () => {
  it("labels the generator's instance texts like the hidden truth (≥ 98 %, both label sets)", () => {
    for (const labelSet of LABEL_SETS) {
      let right = 0;
      let total = 0;
      for (let seed = 1; seed <= 6; seed++) {
        const w = buildOolongWindow({ seed, lengthTokens: 8192, labelSet });
        for (const item of w.items) {
          total++;
          if (classifyInstance(item.instance, w.labelSet.labels) === item.label) right++;
        }
      }
      expect(total).toBeGreaterThan(1000);
      expect(right / total, labelSet).toBeGreaterThanOrEqual(0.98);
    }
  });

  it("recognises every question type and answers the whole window in the scored form", () => {
    for (const { kind, task } of CASES) {
      for (const labelSet of LABEL_SETS) {
        const tasks = tasksOf(kind, task, labelSet, 3);
        expect(tasks.length, `${task}/${labelSet}`).toBeGreaterThan(0);
        for (const t of tasks) {
          const d = detectTask(t.query).task;
          expect(d, t.query).toMatchObject({ kind: "count", mode: MODES[task] });
          // As the long-context baseline asks it: the window, a newline, then the question.
          const answer = subReply(`${t.context}\n${t.query}`);
          expect(scoreOolong(answer, t.expected, t.meta.answerType), `${t.query} → ${answer}`).toBe(1);
        }
      }
    }
  });
});

describe("solver on the OOLONG generator: the root's Python, run for real", () => {
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm({});
  });
  afterAll(() => llm.stop());
  afterEach(() => llm.reset());

  // One task per question type, label sets alternating, at 8K (about 350 lines: two sub-call chunks).
  it.each(CASES.map((c, i) => ({ ...c, labelSet: LABEL_SETS[i % 2] as LabelSetName })))(
    "$task ($labelSet): full score, counted in Python over sub-model labels",
    async ({ kind, task, labelSet }) => {
      const [t] = tasksOf(kind, task, labelSet, 1);
      if (!t) throw new Error(`no ${task} task`);
      const r = await runMiniRlm({ baseUrl: llm.url, model: "solver", question: t.query, context: t.context });
      expect(scoreOolong(r.answer, t.expected, t.meta.answerType), `${t.query} → ${r.answer}`).toBe(1);
      expect(r).toMatchObject({ final_source: "final", iterations: 2 });
      // Only "most frequent user/date" needs no labels; everything else classifies through llm_query_batched.
      const needsLabels = task !== "most-frequent-user" && task !== "most-frequent-date";
      if (needsLabels) expect(r.sub_calls).toBeGreaterThan(0);
      else expect(r.sub_calls).toBe(0);
    },
    60_000,
  );

  it("a sentiment count at depth 2: the children get the label set with their question", async () => {
    const [t] = tasksOf("counting", "label-count", "sentiment", 1, 16_384);
    if (!t) throw new Error("no label-count task");
    const r = await runMiniRlm({
      baseUrl: llm.url,
      model: "solver-depth2",
      question: t.query,
      context: t.context,
      maxDepth: 2,
    });
    expect(r).toMatchObject({ answer: `Answer: ${t.expected}`, child_runs: 2 });
  }, 60_000);
});
