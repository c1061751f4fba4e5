/**
 * Runs a headless task to its end: an RLM run over an inline context or documents, or the chat agent (delegation and
 * document tools, no session). Live events go to `emit` (the task object's log, served as SSE); runs and steps are
 * recorded like any other run. Never throws for expected endings.
 */
import { runAgentTurn } from "../agent/loop";
import { agentSystemPrompt } from "../agent/prompts";
import type { Emit } from "../agent/tool";
import { delegationTools } from "../agent/tools/delegation";
import { documentTools } from "../agent/tools/documents";
import { openDb } from "../db/client";
import { nextStepIndexes } from "../db/queries/runs";
import { repos } from "../db/repos";
import { documentsContext } from "../documents/context";
import { documentStore } from "../documents/store";
import { AppError, isAppError } from "../errors";
import { type CheckpointPort, emptyUsage, type RlmContext, type RunUsage, runRlm } from "../rlm";
import { tenantReplSandboxes } from "../sandbox";
import { composeObservers, otelObserver, traceContentObserver } from "../trace";
import { meteredAgentLlm } from "./agent-llm";
import { agentStepEmitter } from "./agent-steps";
import type { TaskLaunch } from "./launch";
import { DEFAULT_RUN_LIMITS, resolveRunLlm } from "./resolve-llm";
import { rlmDelegator } from "./rlm-delegator";
import { openRunScope } from "./run-scope";
import { traceFrames } from "./trace-frames";

export type TaskEnd =
  | { status: "completed"; answer: string; usage: RunUsage }
  | { status: "failed"; error: { code: string; message: string }; usage: RunUsage }
  | { status: "cancelled"; usage: RunUsage };

async function rlmContext(env: Env, launch: TaskLaunch, store: ReturnType<typeof documentStore>): Promise<RlmContext> {
  const { context } = launch;
  if (context.kind === "stored") {
    const object = await env.DOCUMENTS.get(context.key);
    if (!object) throw new AppError("not_found", "The task's context is missing from storage");
    return { kind: "stream", stream: object.body, format: context.format };
  }
  if (context.kind === "documents") {
    const resolved = await documentsContext(store, context.ids);
    if (resolved.status === "missing") {
      throw new AppError("not_found", `Documents are gone: ${resolved.ids.join(", ")}`);
    }
    return { kind: "stream", stream: resolved.stream, format: resolved.format };
  }
  return { kind: "text", text: "" };
}

export async function executeTask(
  env: Env,
  launch: TaskLaunch,
  deps: {
    emit: Emit;
    signal: AbortSignal;
    /** Where an RLM task checkpoints (its host object's storage); with `resume`, it continues from there. */
    checkpoints?: CheckpointPort;
    /** The host restarted mid-run: recover the budget the lost host held and continue the recorded steps. */
    resume?: boolean;
  },
): Promise<TaskEnd> {
  const { tenantId, runId } = launch;
  const usage = emptyUsage();
  const stepIndexes = deps.resume ? await resumeRecording(env, tenantId, runId) : undefined;
  const scope = openRunScope(env, {
    stepIndexes,
    runId,
    signal: deps.signal,
    cancelReason: "the task was cancelled",
    tenantId,
    observer: composeObservers(
      traceFrames(deps.emit, launch.mode === "agent" ? { agentRunId: runId } : {}),
      otelObserver(env, { tenantId, agentRunId: launch.mode === "agent" ? runId : undefined }),
      traceContentObserver(env, tenantId),
    ),
  });
  const { handle, recorder, budget } = scope;
  try {
    await scope.initBudget(launch.budget, launch.maxDepth, DEFAULT_RUN_LIMITS);
    // Nobody can settle what the lost host reserved; re-issued calls reserve again under their call ids.
    if (deps.resume) await scope.budgetStub.recover();
    const llm = await resolveRunLlm(env, handle.db, tenantId, launch.models);
    const store = documentStore({ db: () => handle.db, bucket: env.DOCUMENTS, tenantId });
    const sandboxes = tenantReplSandboxes(env, tenantId, { task: launch.taskId });
    const settings = {
      maxIterations: launch.maxIterations,
      maxDepth: launch.maxDepth,
      llmConcurrency: launch.subCallConcurrency,
    };
    if (launch.mode === "rlm") {
      const outcome = await runRlm(
        {
          runId,
          rootRunId: runId,
          parentRunId: null,
          depth: 0,
          query: launch.query,
          context: await rlmContext(env, launch, store),
        },
        { llm, budget, sandboxes, recorder, signal: deps.signal, settings, checkpoints: deps.checkpoints },
      );
      if (outcome.status === "completed" && outcome.answer !== null) {
        return { status: "completed", answer: outcome.answer, usage: outcome.usage };
      }
      if (outcome.status === "cancelled") return { status: "cancelled", usage: outcome.usage };
      return {
        status: "failed",
        error: outcome.error ?? { code: outcome.endReason ?? "internal", message: "The run ended without an answer" },
        usage: outcome.usage,
      };
    }

    await repos.runs.insert(handle.db, tenantId, {
      id: runId,
      rootRunId: runId,
      kind: "agent",
      status: "running",
      query: launch.query,
      startedAt: new Date(),
    });
    const inline =
      launch.context.kind === "stored" ? await env.DOCUMENTS.get(launch.context.key).then((o) => o?.text()) : undefined;
    const documents = launch.context.kind === "documents" ? launch.context.ids : [];
    const emit = agentStepEmitter(deps.emit, recorder, runId);
    const outcome = await runAgentTurn(
      {
        systemPrompt: agentSystemPrompt({
          mode: "auto",
          memory: "(no memory: this is a one-shot task)",
          documents: await store.find(documents),
          extra: inline
            ? "The task comes with an inline context: delegate_to_rlm reads it when you give no documents."
            : undefined,
        }),
        history: [],
        userMessage: launch.query,
      },
      {
        llm: meteredAgentLlm({ gateway: llm, budget, recorder, emit, runId, usage }),
        tools: [
          ...delegationTools(
            rlmDelegator({
              llm,
              budget,
              sandboxes,
              recorder,
              documents: store,
              defaultDocuments: documents,
              fallbackContext: inline ?? launch.query,
              agentRunId: runId,
              usage,
              settings,
            }),
          ),
          ...documentTools(store),
        ],
        emit,
        signal: deps.signal,
        settings: { maxIterations: launch.maxIterations },
      },
    );
    const end: TaskEnd =
      outcome.status === "completed"
        ? { status: "completed", answer: outcome.answer, usage }
        : outcome.status === "cancelled"
          ? { status: "cancelled", usage }
          : { status: "failed", error: outcome.error, usage };
    recorder.ended(runId, {
      status: end.status,
      answer: end.status === "completed" ? end.answer : null,
      forced: outcome.status === "completed" && outcome.forced,
      iterations: outcome.iterations,
      endReason: end.status === "failed" ? end.error.code : end.status === "cancelled" ? "cancelled" : null,
      error: end.status === "failed" ? end.error : null,
      usage,
      wallMs: 0,
    });
    return end;
  } catch (err) {
    if (deps.signal.aborted) return { status: "cancelled", usage };
    if (!isAppError(err)) console.error(JSON.stringify({ level: "error", taskId: launch.taskId, err: String(err) }));
    const error = isAppError(err)
      ? { code: err.code, message: err.message }
      : { code: "internal", message: "The task failed unexpectedly" };
    return { status: "failed", error, usage };
  } finally {
    await scope.close();
  }
}

/** Where the steps of a resumed run's tree continue, read before anything new is recorded. */
async function resumeRecording(env: Env, tenantId: string, rootRunId: string): Promise<Map<string, number>> {
  const handle = openDb(env);
  try {
    return await nextStepIndexes(handle.db, tenantId, rootRunId);
  } finally {
    await handle.close().catch(() => {});
  }
}
