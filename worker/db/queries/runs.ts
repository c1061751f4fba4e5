/** Reads and closes RLM run rows for the API and for the task object's watchdog. */
import { and, eq, inArray, max, or } from "drizzle-orm";
import type { Db } from "../client";
import { runSteps, runs } from "../schema";

type RunRow = typeof runs.$inferSelect;

/** A run row as the API shows it (the fields every run view shares), timestamps as ISO strings. */
export function runSummary(row: RunRow) {
  return {
    id: row.id,
    parentRunId: row.parentRunId,
    depth: row.depth,
    status: row.status,
    query: row.query,
    answer: row.answer,
    endReason: row.endReason,
    error: row.error,
    usage: row.usage,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

/** The run and every run of its tree, or null when the id is not a root run of this tenant. */
export async function loadRunTree(
  db: Db,
  tenantId: string,
  runId: string,
): Promise<{ root: RunRow; tree: RunRow[] } | null> {
  const tree = await db
    .select()
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), or(eq(runs.id, runId), eq(runs.rootRunId, runId))));
  const root = tree.find((r) => r.id === runId);
  return root ? { root, tree } : null;
}

/** Iterations of the root and sub-calls made from code, counted from the recorded steps. */
export async function countSteps(db: Db, tenantId: string, runIds: string[]) {
  const rows = await db
    .select({ runId: runSteps.runId, kind: runSteps.kind, data: runSteps.data })
    .from(runSteps)
    .where(and(eq(runSteps.tenantId, tenantId), inArray(runSteps.runId, runIds)));
  return rows;
}

/**
 * The next step index of each run in a tree, for a recorder that continues a run resumed after its host restarted
 * (steps are unique per run and index).
 */
export async function nextStepIndexes(db: Db, tenantId: string, rootRunId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ runId: runSteps.runId, last: max(runSteps.index) })
    .from(runSteps)
    .innerJoin(runs, eq(runs.id, runSteps.runId))
    .where(and(eq(runSteps.tenantId, tenantId), or(eq(runs.id, rootRunId), eq(runs.rootRunId, rootRunId))))
    .groupBy(runSteps.runId);
  return new Map(rows.map((r) => [r.runId, (r.last ?? -1) + 1]));
}

/**
 * Marks every unfinished run of a tree failed with `reason`: used when a run cannot continue (its host restarted,
 * its setup failed) so that nothing is left `running` forever.
 */
export async function failUnfinished(
  db: Db,
  tenantId: string,
  rootRunId: string,
  error: { code: string; message: string },
): Promise<void> {
  await db
    .update(runs)
    .set({ status: "failed", endReason: error.code, error, completedAt: new Date() })
    .where(
      and(
        eq(runs.tenantId, tenantId),
        or(eq(runs.id, rootRunId), eq(runs.rootRunId, rootRunId)),
        inArray(runs.status, ["queued", "running"]),
      ),
    );
}
