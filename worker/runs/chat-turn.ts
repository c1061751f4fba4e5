/**
 * One chat turn from the session's point of view: checks the message, records the turn and its agent run, builds the
 * agent's tools for the execution mode, runs the ReAct loop under the turn's own budget, and records the ending.
 * Everything the session object must own (sockets, the event log, the REPL) comes in through {@link TurnDeps}.
 */
import { runAgentTurn } from "../agent/loop";
import { loadMemory, renderMemory } from "../agent/memory";
import { agentSystemPrompt } from "../agent/prompts";
import type { AgentTool, Emit } from "../agent/tool";
import { codeTools, type SessionRepl } from "../agent/tools/code";
import { delegationTools } from "../agent/tools/delegation";
import { documentTools } from "../agent/tools/documents";
import { type MemoryStore, memoryTools } from "../agent/tools/memory";
import { getBudgetStub } from "../budget";
import type { MessageFrame } from "../contracts/session";
import { openDb } from "../db/client";
import { getTenant } from "../db/queries/identity";
import { finishTurn, recentHistory, startTurn } from "../db/queries/sessions";
import { type DocumentInfo, documentStore } from "../documents/store";
import { AppError, isAppError } from "../errors";
import { admitRun } from "../quotas";
import { emptyUsage, type RunOutcome } from "../rlm";
import { tenantReplSandboxes } from "../sandbox";
import { budgetFrame, coalesce, composeObservers, otelObserver, traceContentObserver } from "../trace";
import { meteredAgentLlm } from "./agent-llm";
import { agentStepEmitter } from "./agent-steps";
import { resolveRunLlm } from "./resolve-llm";
import { rlmDelegator } from "./rlm-delegator";
import { openRunScope } from "./run-scope";
import { traceFrames } from "./trace-frames";

/** Limits of a turn whose message names none: room for a few delegations with fan-out, and a finite bill. */
export const DEFAULT_TURN_LIMITS = { llmCalls: 1_000, timeoutSeconds: 1_800, maxSandboxes: 8 } as const;
/** Budget events at most this often: a 256-way fan-out should move the gauge, not flood the socket. */
const BUDGET_EVENT_MS = 250;

export interface TurnDeps {
  env: Env;
  tenantId: string;
  sessionId: string;
  emit: Emit;
  memory: MemoryStore;
  repl: SessionRepl;
  signal: AbortSignal;
}

export type TurnEnd =
  | { status: "completed"; answer: string; forced: boolean }
  | { status: "cancelled" }
  | { status: "failed"; error: { code: string; message: string } };

/** A message that passed its checks, with what it refers to resolved. */
export interface AcceptedTurn {
  turnId: string;
  runId: string;
  frame: MessageFrame;
  documents: DocumentInfo[];
}

/**
 * Checks what a message refers to before anything is recorded: documents must exist for this tenant and a model
 * must be configured; then the turn takes a run slot like any other run (quotas). Throws a `validation_failed`,
 * `unavailable` or `quota_exceeded` AppError naming the problem. The caller releases the slot (`releaseRun`, by
 * `turnId`) when the turn ends.
 */
export async function acceptTurn(env: Env, tenantId: string, frame: MessageFrame): Promise<AcceptedTurn> {
  const handle = openDb(env);
  try {
    await resolveRunLlm(env, handle.db, tenantId, frame.models);
    const store = documentStore({ db: () => handle.db, bucket: env.DOCUMENTS, tenantId });
    const documents = await store.find(frame.documents);
    const ready = new Set(documents.map((d) => d.id));
    const missing = frame.documents.findIndex((id) => !ready.has(id));
    if (missing !== -1) {
      throw new AppError("validation_failed", `Document ${frame.documents[missing]} does not exist or is not ready`, {
        details: { issues: [{ field: `documents.${missing}`, message: "unknown document" }] },
      });
    }
    const tenant = await getTenant(handle.db, tenantId);
    if (!tenant) throw new AppError("not_found", "The workspace no longer exists");
    const turnId = crypto.randomUUID();
    await admitRun(
      { env, db: handle.db },
      { tenantId, plan: tenant.plan },
      {
        holder: turnId,
        kind: "turn",
        timeoutSeconds: frame.budget?.timeoutSeconds ?? DEFAULT_TURN_LIMITS.timeoutSeconds,
      },
    );
    return { turnId, runId: crypto.randomUUID(), frame, documents };
  } finally {
    await handle.close();
  }
}

function toolsFor(
  mode: MessageFrame["mode"],
  sets: Record<"delegation" | "code" | "documents" | "memory", AgentTool[]>,
) {
  switch (mode) {
    case "rlm":
      return [...sets.delegation, ...sets.documents, ...sets.memory];
    case "tools":
      return [...sets.code, ...sets.documents, ...sets.memory];
    case "auto":
      return [...sets.delegation, ...sets.code, ...sets.documents, ...sets.memory];
  }
}

/** Runs an accepted turn to its end and records it. Never throws for expected endings. */
export async function runTurn(turn: AcceptedTurn, deps: TurnDeps): Promise<TurnEnd> {
  const { env, tenantId, sessionId } = deps;
  const { frame, runId, turnId } = turn;
  const started = Date.now();
  const usage = emptyUsage();
  // The gauge is informational: a failed snapshot must never fail the turn.
  const gauge = getBudgetStub(env, runId);
  const budgetPulse = coalesce(
    () =>
      gauge.snapshot().then(
        (s) => deps.emit(budgetFrame(runId, s)),
        () => {},
      ),
    BUDGET_EVENT_MS,
  );
  const scope = openRunScope(env, {
    runId,
    signal: deps.signal,
    cancelReason: "the turn was cancelled",
    tenantId,
    sessionId,
    turnId,
    observer: composeObservers(
      traceFrames(deps.emit, { agentRunId: runId, onProgress: () => budgetPulse.poke() }),
      otelObserver(env, { tenantId, agentRunId: runId, conversationId: sessionId }),
      traceContentObserver(env, tenantId),
    ),
  });
  const { budget, recorder, handle } = scope;
  let end: TurnEnd;
  try {
    await startTurn(handle.db, { tenantId, sessionId, turnId, runId, userMessage: frame.text });
    const history = await recentHistory(handle.db, tenantId, sessionId);
    await scope.initBudget(frame.budget, 1, DEFAULT_TURN_LIMITS);
    await budgetPulse.flush();
    const gateway = await resolveRunLlm(env, handle.db, tenantId, frame.models);
    const documents = documentStore({ db: () => handle.db, bucket: env.DOCUMENTS, tenantId });
    const delegator = rlmDelegator({
      llm: gateway,
      budget,
      sandboxes: tenantReplSandboxes(env, tenantId, { session: sessionId }),
      recorder,
      documents,
      defaultDocuments: frame.documents,
      fallbackContext: frame.text,
      agentRunId: runId,
      usage,
    });
    const tools = toolsFor(frame.mode, {
      delegation: delegationTools(delegator),
      code: codeTools(deps.repl),
      documents: documentTools(documents),
      memory: memoryTools(deps.memory),
    });
    const emit = agentStepEmitter(deps.emit, recorder, runId);
    const outcome = await runAgentTurn(
      {
        systemPrompt: agentSystemPrompt({
          mode: frame.mode,
          memory: renderMemory(loadMemory(deps.memory.read())),
          documents: turn.documents,
        }),
        history: history.flatMap((h) => [
          { role: "user" as const, content: h.userMessage },
          { role: "assistant" as const, content: h.answer },
        ]),
        userMessage: frame.text,
        requiredTool: frame.mode === "rlm" ? "delegate_to_rlm" : undefined,
      },
      {
        llm: meteredAgentLlm({
          gateway,
          budget,
          recorder,
          emit,
          runId,
          usage,
          afterCall: () => void budgetPulse.flush(),
        }),
        tools,
        emit,
        signal: deps.signal,
      },
    );
    end =
      outcome.status === "completed"
        ? { status: "completed", answer: outcome.answer, forced: outcome.forced }
        : outcome.status === "cancelled"
          ? { status: "cancelled" }
          : { status: "failed", error: outcome.error };
    recorder.ended(runId, runOutcome(end, outcome.iterations, usage, started));
  } catch (err) {
    if (deps.signal.aborted) end = { status: "cancelled" };
    else {
      const error = isAppError(err)
        ? { code: err.code, message: err.message }
        : { code: "internal", message: "The turn failed unexpectedly" };
      if (!isAppError(err)) console.error(JSON.stringify({ level: "error", turnId, err: String(err) }));
      end = { status: "failed", error };
    }
    recorder.ended(runId, runOutcome(end, 0, usage, started));
  }
  try {
    await recorder.flush().catch(() => {});
    await finishTurn(handle.db, tenantId, turnId, {
      status: end.status,
      answer: end.status === "completed" ? end.answer : null,
      usage,
      error: end.status === "failed" ? end.error : null,
    });
  } finally {
    await scope.close();
  }
  await budgetPulse.flush();
  return end;
}

function runOutcome(end: TurnEnd, iterations: number, usage: RunOutcome["usage"], started: number): RunOutcome {
  return {
    status: end.status,
    answer: end.status === "completed" ? end.answer : null,
    forced: end.status === "completed" && end.forced,
    iterations,
    endReason: end.status === "completed" ? null : end.status === "cancelled" ? "cancelled" : end.error.code,
    error: end.status === "failed" ? end.error : null,
    usage,
    wallMs: Date.now() - started,
  };
}
