/**
 * Persists a run tree as `runs` and `run_steps` rows. Recording never blocks the loop: operations queue in memory and
 * are written in batches by one writer, in order, each batch over a fresh pool (a run can outlive any one request).
 */
import { and, eq } from "drizzle-orm";
import type { DbEnv, DbHandle } from "../db/client";
import { openDb } from "../db/client";
import { runSteps, runs } from "../db/schema";
import type { RecordedStep, RunOutcome, RunRecorder } from "../rlm";

/** Steps buffered before a write is started without waiting for the timer. */
const BATCH_STEPS = 64;
/** How long recorded steps may wait before they are written, so a watching UI sees progress. */
const FLUSH_DELAY_MS = 250;

type Op = (handle: DbHandle) => Promise<void>;

export interface DbRecorderOptions {
  env: DbEnv;
  tenantId: string;
  sessionId?: string | null;
  turnId?: string | null;
  /** Also told about everything recorded, e.g. to stream live events. */
  observer?: Partial<RunRecorder>;
  /** Where each run's steps continue (a run resumed after a restart); from 0 when absent. */
  stepIndexes?: Map<string, number>;
}

export function dbRecorder(options: DbRecorderOptions): RunRecorder {
  const { tenantId } = options;
  const queue: Op[] = [];
  const stepIndex = new Map<string, number>(options.stepIndexes);
  let pendingSteps: Array<typeof runSteps.$inferInsert> = [];
  let writing: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let failure: unknown = null;

  const drainSteps = () => {
    if (pendingSteps.length === 0) return;
    const batch = pendingSteps;
    pendingSteps = [];
    queue.push(async ({ db }) => {
      await db.insert(runSteps).values(batch);
    });
  };
  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    drainSteps();
    const ops = queue.splice(0);
    if (ops.length === 0) return writing;
    writing = writing.then(async () => {
      const handle = openDb(options.env);
      try {
        for (const op of ops) await op(handle);
      } catch (err) {
        failure ??= err;
        console.error(JSON.stringify({ level: "error", msg: "run trace write failed", err: String(err) }));
      } finally {
        await handle.close().catch(() => {});
      }
    });
    return writing;
  };
  const schedule = () => {
    if (pendingSteps.length >= BATCH_STEPS) void write();
    else timer ??= setTimeout(() => void write(), FLUSH_DELAY_MS);
  };

  return {
    started(run) {
      queue.push(async ({ db }) => {
        const row = {
          id: run.runId,
          tenantId,
          sessionId: options.sessionId ?? null,
          turnId: options.turnId ?? null,
          parentRunId: run.parentRunId,
          rootRunId: run.rootRunId,
          depth: run.depth,
          kind: "rlm" as const,
          status: "running" as const,
          query: run.query,
          parentExec: run.parentExec ?? null,
          startedAt: new Date(),
        };
        // A root run created by the API already has its (queued) row; it becomes running here.
        await db
          .insert(runs)
          .values(row)
          .onConflictDoUpdate({
            target: runs.id,
            set: { status: "running", startedAt: row.startedAt },
            where: eq(runs.tenantId, tenantId),
          });
      });
      void write();
      options.observer?.started?.(run);
    },
    step(runId, step: RecordedStep) {
      const index = stepIndex.get(runId) ?? 0;
      stepIndex.set(runId, index + 1);
      pendingSteps.push({
        tenantId,
        runId,
        index,
        kind: step.kind,
        data: step.data,
        promptTokens: step.promptTokens ?? 0,
        completionTokens: step.completionTokens ?? 0,
        costUsd: step.costUsd ?? 0,
        latencyMs: Math.round(step.latencyMs ?? 0),
      });
      schedule();
      options.observer?.step?.(runId, step);
    },
    ended(runId, outcome: RunOutcome) {
      drainSteps();
      queue.push(async ({ db }) => {
        await db
          .update(runs)
          .set({
            status: outcome.status,
            answer: outcome.answer,
            endReason: outcome.endReason,
            error: outcome.error,
            usage: outcome.usage,
            completedAt: new Date(),
          })
          .where(and(eq(runs.tenantId, tenantId), eq(runs.id, runId)));
      });
      void write();
      options.observer?.ended?.(runId, outcome);
    },
    async sync() {
      await write();
    },
    async flush() {
      await write();
      await options.observer?.flush?.();
      if (failure) throw failure;
    },
  };
}
