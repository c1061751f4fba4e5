/** The `tasks` row as the API shows it, and the updates a task's object makes to it. */
import { and, eq } from "drizzle-orm";
import type { Task } from "../contracts/tasks";
import type { Db } from "../db/client";
import { tasks } from "../db/schema";
import type { TaskEnd } from "../runs";

export type TaskRow = typeof tasks.$inferSelect;

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    mode: row.mode,
    status: row.status,
    query: row.query,
    answer: row.answer,
    usage: row.usage ?? null,
    error: row.error ?? null,
    runId: row.runId,
    source: row.source,
    callbackUrl: row.callbackUrl,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

/** Records a task's start and returns the row as it now is. */
export async function markTaskRunning(db: Db, tenantId: string, taskId: string): Promise<TaskRow | null> {
  const [row] = await db
    .update(tasks)
    .set({ status: "running", startedAt: new Date() })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, taskId)))
    .returning();
  return row ?? null;
}

/** Records a task's end and returns the row as it now is. */
export async function markTaskEnded(db: Db, tenantId: string, taskId: string, end: TaskEnd): Promise<TaskRow | null> {
  const [row] = await db
    .update(tasks)
    .set({
      status: end.status,
      answer: end.status === "completed" ? end.answer : null,
      error: end.status === "failed" ? end.error : null,
      usage: end.usage,
      completedAt: new Date(),
    })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, taskId)))
    .returning();
  return row ?? null;
}
