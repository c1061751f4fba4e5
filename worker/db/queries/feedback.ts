/** Feedback on runs: recording a score, and reading annotated runs page by page for the dataset export. */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../client";
import { feedback, runs, tasks } from "../schema";

/** One feedback row with what the dataset needs of its run and of the task that started the run's tree, if any. */
export interface AnnotatedRun {
  feedbackId: string;
  runId: string;
  score: number;
  comment: string | null;
  expectedAnswer: string | null;
  createdAt: Date;
  query: string;
  answer: string | null;
  kind: "agent" | "rlm" | "task";
  parentRunId: string | null;
  rootRunId: string | null;
  sessionId: string | null;
  turnId: string | null;
  taskDocuments: string[] | null;
  taskContextKey: string | null;
}

/**
 * Up to `limit` annotated runs of the tenant after feedback id `after`, in feedback-id order. Keyset paging on the id
 * alone: timestamps round to milliseconds in JavaScript and could not resume exactly.
 */
export async function annotatedRunsPage(
  db: Db,
  tenantId: string,
  after: string | null,
  limit: number,
): Promise<AnnotatedRun[]> {
  const rows = await db
    .select({
      feedbackId: feedback.id,
      runId: feedback.runId,
      score: feedback.score,
      comment: feedback.comment,
      expectedAnswer: feedback.expectedAnswer,
      createdAt: feedback.createdAt,
      query: runs.query,
      answer: runs.answer,
      kind: runs.kind,
      parentRunId: runs.parentRunId,
      rootRunId: runs.rootRunId,
      sessionId: runs.sessionId,
      turnId: runs.turnId,
      taskRequest: tasks.request,
      taskContextKey: tasks.contextKey,
    })
    .from(feedback)
    .innerJoin(runs, and(eq(runs.id, feedback.runId), eq(runs.tenantId, tenantId)))
    .leftJoin(tasks, and(eq(tasks.tenantId, tenantId), eq(tasks.runId, sql`coalesce(${runs.rootRunId}, ${runs.id})`)))
    .where(and(eq(feedback.tenantId, tenantId), after ? gt(feedback.id, after) : undefined))
    .orderBy(asc(feedback.id))
    .limit(limit);
  return rows.map(({ taskRequest, ...row }) => ({ ...row, taskDocuments: taskRequest?.documents ?? null }));
}
