/**
 * Closing the trace of a run tree whose host died mid-run (a deploy, an eviction). Spans are exported as their work
 * ends, and a run's own span and its running iteration's last of all, so a tree cut off leaves spans whose parents
 * never arrive. The host that finds the tree dead (a watchdog) replays what the database holds through a span
 * builder, on the recorded clock, discarding what the replay rebuilds (it was exported live) and exporting only the
 * spans {@link SpanBuilder.closeOpen} ends: the unfinished runs, iterations, code blocks and tool calls, as errors.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { runSteps, runs } from "../db/schema";
import type { RecordedStep, RunOutcome, RunStatus } from "../rlm";
import { configuredExporter, type OtelEnv } from "./observer";
import { type SpanBuilder, spanBuilder } from "./span-builder";

type RunRow = typeof runs.$inferSelect;
type StepRow = typeof runSteps.$inferSelect;

const ENDED = new Set<string>(["completed", "failed", "cancelled"]);

/** Exports the closing spans of `rootRunId`'s tree; a no-op when tracing is off. Never throws. */
export async function closeInterruptedTrace(
  env: OtelEnv,
  db: Db,
  tree: { tenantId: string; rootRunId: string; conversationId?: string; message: string },
): Promise<void> {
  const exporter = configuredExporter(env);
  if (!exporter) return;
  try {
    const rows = await db
      .select()
      .from(runs)
      .where(and(eq(runs.tenantId, tree.tenantId), eq(runs.rootRunId, tree.rootRunId)));
    const root = rows.find((r) => r.id === tree.rootRunId);
    if (!root || ENDED.has(root.status)) return;
    const steps = await db
      .select()
      .from(runSteps)
      .where(
        and(
          eq(runSteps.tenantId, tree.tenantId),
          inArray(
            runSteps.runId,
            rows.map((r) => r.id),
          ),
        ),
      )
      .orderBy(asc(runSteps.index));
    let clock = 0;
    let live = false;
    const builder = spanBuilder({
      tenantId: tree.tenantId,
      agentRunId: root.kind === "agent" ? root.id : undefined,
      conversationId: tree.conversationId,
      onSpan: (span) => live && exporter.add(span),
      now: () => clock,
    });
    replay(builder, root, rows, steps, (ms) => {
      clock = ms;
    });
    live = true;
    clock = Date.now();
    builder.closeOpen(tree.message);
    await exporter.flush();
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", msg: "closing an interrupted trace failed", err: String(err) }));
  }
}

/**
 * Feeds a stored tree to `builder` in the order it happened: a child run starts just before the parent iteration it
 * ran in is recorded (its `parentExec.turn`), or, for children of an agent run and older rows, by time.
 */
function replay(builder: SpanBuilder, root: RunRow, rows: RunRow[], steps: StepRow[], at: (ms: number) => void): void {
  const children = new Map<string, RunRow[]>();
  for (const row of rows) {
    if (!row.parentRunId || row.id === root.id) continue;
    children.set(row.parentRunId, [...(children.get(row.parentRunId) ?? []), row]);
  }
  const stepsOf = new Map<string, StepRow[]>();
  for (const step of steps) stepsOf.set(step.runId, [...(stepsOf.get(step.runId) ?? []), step]);

  const emitRun = (run: RunRow, isRoot: boolean): void => {
    // An agent root's span is opened by the builder itself (`agentRunId`).
    if (!(isRoot && run.kind === "agent")) {
      at((run.startedAt ?? run.createdAt).getTime());
      builder.started?.({
        runId: run.id,
        parentRunId: run.parentRunId,
        rootRunId: run.rootRunId ?? run.id,
        depth: run.depth,
        query: run.query,
        parentExec: run.parentExec ?? undefined,
      });
    }
    const pending = [...(children.get(run.id) ?? [])].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const due = (iteration: number, beforeMs: number) =>
      pending.filter((child) =>
        child.parentExec ? child.parentExec.turn === iteration : child.createdAt.getTime() <= beforeMs,
      );
    let iteration = 0;
    for (const step of stepsOf.get(run.id) ?? []) {
      for (const child of due(iteration, step.createdAt.getTime())) {
        pending.splice(pending.indexOf(child), 1);
        emitRun(child, false);
      }
      at(step.createdAt.getTime());
      builder.step?.(run.id, toRecorded(step));
      if (step.kind === "iteration") iteration += 1;
    }
    for (const child of pending) emitRun(child, false);
    if (ENDED.has(run.status)) {
      at((run.completedAt ?? run.createdAt).getTime());
      builder.ended?.(run.id, toOutcome(run, iteration));
    }
  };
  emitRun(root, true);
}

function toRecorded(step: StepRow): RecordedStep {
  return {
    kind: step.kind,
    data: step.data,
    promptTokens: step.promptTokens,
    completionTokens: step.completionTokens,
    costUsd: step.costUsd,
    latencyMs: step.latencyMs,
  };
}

function toOutcome(run: RunRow, iterations: number): RunOutcome {
  return {
    status: run.status as RunStatus,
    answer: run.answer,
    forced: false,
    iterations,
    endReason: run.endReason,
    error: run.error ?? null,
    usage: run.usage ?? { llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
    wallMs: run.completedAt && run.startedAt ? run.completedAt.getTime() - run.startedAt.getTime() : 0,
  };
}
