/** A root run's whole tree as JSON: runs nested by `parentRunId`, each with its recorded steps, usage and latency. */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { RunTrace, RunTraceNode } from "../contracts/trace";
import type { Db } from "../db/client";
import { loadRunTree, runSummary } from "../db/queries/runs";
import { runSteps, type runs } from "../db/schema";
import { traceIdFor } from "./ids";
import { spanIds } from "./span-builder";

type RunRow = typeof runs.$inferSelect;
type StepRow = typeof runSteps.$inferSelect;

/**
 * Nests `rows` under `root` by `parentRunId` (children oldest first) with their steps in order. Pure. A run whose
 * parent is not in `rows` is left out: it cannot belong to this tree.
 */
export function buildRunTree(root: RunRow, rows: readonly RunRow[], steps: readonly StepRow[]): RunTrace {
  const stepsByRun = new Map<string, StepRow[]>();
  for (const step of steps) stepsByRun.set(step.runId, [...(stepsByRun.get(step.runId) ?? []), step]);
  const childrenByParent = new Map<string, RunRow[]>();
  for (const row of rows) {
    if (row.id === root.id || !row.parentRunId) continue;
    childrenByParent.set(row.parentRunId, [...(childrenByParent.get(row.parentRunId) ?? []), row]);
  }
  const node = (row: RunRow): RunTraceNode => {
    const started = row.startedAt ?? row.createdAt;
    return {
      ...runSummary(row),
      kind: row.kind,
      startedAt: row.startedAt?.toISOString() ?? null,
      latencyMs: row.completedAt ? row.completedAt.getTime() - started.getTime() : null,
      spanId: spanIds.run(row.id),
      steps: (stepsByRun.get(row.id) ?? [])
        .sort((a, b) => a.index - b.index)
        .map((s) => ({
          index: s.index,
          kind: s.kind,
          data: s.data,
          promptTokens: s.promptTokens,
          completionTokens: s.completionTokens,
          costUsd: s.costUsd,
          latencyMs: s.latencyMs,
          createdAt: s.createdAt.toISOString(),
        })),
      children: (childrenByParent.get(row.id) ?? [])
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .map(node),
    };
  };
  return { traceId: traceIdFor(root.rootRunId ?? root.id), root: node(root) };
}

/** The trace of a root run of this tenant (agent, RLM or task run), or null for any other id. */
export async function loadRunTrace(db: Db, tenantId: string, runId: string): Promise<RunTrace | null> {
  const found = await loadRunTree(db, tenantId, runId);
  if (!found || found.root.parentRunId !== null) return null;
  const steps = await db
    .select()
    .from(runSteps)
    .where(
      and(
        eq(runSteps.tenantId, tenantId),
        inArray(
          runSteps.runId,
          found.tree.map((r) => r.id),
        ),
      ),
    )
    .orderBy(asc(runSteps.runId), asc(runSteps.index));
  return buildRunTree(found.root, found.tree, steps);
}
