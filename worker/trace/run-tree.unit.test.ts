import { expect, it } from "vitest";
import type { runSteps, runs } from "../db/schema";
import { buildRunTree } from "./run-tree";
import { spanIds } from "./span-builder";

type RunRow = typeof runs.$inferSelect;
type StepRow = typeof runSteps.$inferSelect;

const ROOT = "0190c2b6-8f7a-7cc1-9d0e-3c1f2a4b5c6d";

function run(id: string, parentRunId: string | null, createdMs: number, over: Partial<RunRow> = {}): RunRow {
  return {
    id,
    tenantId: "t",
    sessionId: null,
    turnId: null,
    parentRunId,
    rootRunId: ROOT,
    depth: parentRunId ? 1 : 0,
    kind: "rlm",
    status: "completed",
    query: `q-${id}`,
    answer: "a",
    endReason: null,
    error: null,
    usage: null,
    parentExec: null,
    createdAt: new Date(createdMs),
    startedAt: new Date(createdMs + 5),
    completedAt: new Date(createdMs + 105),
    ...over,
  };
}

function step(runId: string, index: number, kind: StepRow["kind"]): StepRow {
  return {
    id: `${runId}-${index}`,
    tenantId: "t",
    runId,
    index,
    kind,
    data: {},
    promptTokens: 1,
    completionTokens: 2,
    costUsd: 0,
    latencyMs: 3,
    createdAt: new Date(0),
  };
}

it("nests runs by parent (oldest first) with their steps in order, and drops strays", () => {
  const rows = [
    run("c2", ROOT, 30),
    run(ROOT, null, 0),
    run("c1", ROOT, 20),
    run("g1", "c1", 25, { depth: 2, completedAt: null }),
    run("stray", "elsewhere", 40),
  ];
  const steps = [step(ROOT, 1, "llm_call"), step(ROOT, 0, "iteration"), step("g1", 0, "llm_call")];
  const { traceId, root } = buildRunTree(rows[1] as RunRow, rows, steps);
  expect(traceId).toBe(ROOT.replaceAll("-", ""));
  expect(root).toMatchObject({ id: ROOT, latencyMs: 100, spanId: spanIds.run(ROOT) });
  expect(root.steps.map((s) => s.kind)).toEqual(["iteration", "llm_call"]);
  expect(root.children.map((c) => c.id)).toEqual(["c1", "c2"]);
  const [c1] = root.children;
  expect(c1?.children.map((c) => [c.id, c.latencyMs, c.steps.length])).toEqual([["g1", null, 1]]);
});
