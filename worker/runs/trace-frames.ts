/**
 * Turns what the RLM engine records into live trace events: run started/ended, one event per iteration (code,
 * output excerpt, true output length) and one per LLM call. Under an agent, depths are shifted so the agent is depth 0
 * and a delegated RLM depth 1, and the delegated root's parent is the agent's run.
 */
import type { Emit } from "../agent/tool";
import type { RecordedStep, RunOutcome, RunRecorder } from "../rlm";

/** What the UI shows of one block's output inline; the full output is in the stored step. */
const OUTPUT_EXCERPT_CHARS = 2_000;

interface RunMeta {
  parentRunId: string | undefined;
  depth: number;
}

function excerpt(text: unknown): string {
  const s = typeof text === "string" ? text : "";
  return s.length > OUTPUT_EXCERPT_CHARS ? `${s.slice(0, OUTPUT_EXCERPT_CHARS)}…` : s;
}

function iterationData(data: Record<string, unknown>): Record<string, unknown> {
  const blocks = Array.isArray(data.blocks) ? (data.blocks as Array<Record<string, unknown>>) : [];
  return {
    // Iterations are numbered from 1 wherever a user sees them; `turn` is the engine's 0-based index.
    iteration: typeof data.turn === "number" ? data.turn + 1 : null,
    response: excerpt(data.response),
    blocks: blocks.map((b) => ({
      code: b.code,
      output: excerpt(b.output),
      outputChars: b.outputChars,
      error: b.error ?? null,
      ms: b.ms,
    })),
    final: data.final ?? null,
  };
}

export interface TraceFrameOptions {
  /** The agent run RLM roots hang under; absent for a headless RLM task, whose root is the top of the tree. */
  agentRunId?: string;
  /** Called after each RLM step (iteration or call), e.g. to publish the budget; the callee throttles. */
  onProgress?: () => void;
}

/** An observer for `dbRecorder` that emits trace events for one run tree. */
export function traceFrames(emit: Emit, options: TraceFrameOptions = {}): Partial<RunRecorder> {
  const { agentRunId, onProgress } = options;
  const offset = agentRunId ? 1 : 0;
  const runs = new Map<string, RunMeta>();
  // Each step's index in its run, as the database recorder numbers them, so the UI can load the step's content.
  const stepIndexes = new Map<string, number>();
  const meta = (runId: string): RunMeta => runs.get(runId) ?? { parentRunId: agentRunId, depth: offset };
  return {
    started(run) {
      const entry = { parentRunId: run.parentRunId ?? agentRunId, depth: run.depth + offset };
      runs.set(run.runId, entry);
      emit({ kind: "rlm_started", runId: run.runId, ...entry, data: { query: run.query } });
    },
    step(runId, step: RecordedStep) {
      const stepIndex = stepIndexes.get(runId) ?? 0;
      stepIndexes.set(runId, stepIndex + 1);
      // The agent's own steps are emitted by the agent loop as they happen.
      if (agentRunId && runId === agentRunId) return;
      const { parentRunId, depth } = meta(runId);
      const usage = {
        promptTokens: step.promptTokens ?? 0,
        completionTokens: step.completionTokens ?? 0,
        costUsd: step.costUsd ?? 0,
        latencyMs: Math.round(step.latencyMs ?? 0),
      };
      const kind = step.kind === "iteration" ? "rlm_iteration" : step.kind === "llm_call" ? "llm_call" : "sandbox";
      const data = step.kind === "iteration" ? iterationData(step.data) : step.data;
      emit({ kind, runId, parentRunId, depth, data: { ...data, ...usage, stepIndex } });
      onProgress?.();
    },
    ended(runId, outcome: RunOutcome) {
      // The agent's own ending is the turn's terminal frame, sent by its host.
      if (agentRunId && runId === agentRunId) return;
      const { parentRunId, depth } = meta(runId);
      emit({
        kind: "rlm_completed",
        runId,
        parentRunId,
        depth,
        data: {
          status: outcome.status,
          answer: outcome.answer === null ? null : excerpt(outcome.answer),
          forced: outcome.forced,
          iterations: outcome.iterations,
          endReason: outcome.endReason,
          error: outcome.error,
          usage: outcome.usage,
          wallMs: outcome.wallMs,
        },
      });
    },
  };
}
