/**
 * The Recursive Language Model loop (arXiv 2512.24601, Algorithm 1). The context is uploaded once into a sandboxed
 * REPL; the root model sees only its metadata, writes ```` ```repl ```` code that runs in one persistent namespace,
 * reads each block's capped output, and ends with a final answer. Sub-calls from the code reach back to the host;
 * `rlm_query` recurses into a child run with its own sandbox and a lease of the same budget.
 */
import { isAppError } from "../errors";
import { contextWindowFor } from "../llm";
import { compactHistory } from "./compact";
import { type HistoryTurn, historyMessages, type RootHistory } from "./compaction";
import { addUsage, emptyUsage, estimateTokens, type Meter, meteredComplete, settled } from "./metered-llm";
import { extractReplBlocks, findFinal, unwrapForcedAnswer } from "./parse";
import type {
  BudgetPort,
  ChatMessage,
  CheckpointPort,
  ExecPosition,
  LlmPort,
  OpenedSandbox,
  ReplPort,
  RunCheckpoint,
  RunOutcome,
  RunRecorder,
  SandboxPort,
} from "./ports";
import {
  contextMetadata,
  FORCED_ANSWER_PROMPT,
  formatExecution,
  OUTPUT_CAP_CHARS,
  rootSystemPrompt,
  turnPrompt,
} from "./prompts";
import { stableUuid } from "./stable-id";
import { subCallHandler } from "./sub-calls";

export interface RlmSettings {
  /** Root turns before the forced answer; the reference implementations use 20–30. */
  maxIterations: number;
  /** Deepest child run; depth 1 means sub-calls are plain LLM calls (the paper's main setting). */
  maxDepth: number;
  /** Per-block execution limit. */
  execTimeoutMs: number;
  llmConcurrency: number;
  rlmConcurrency: number;
  /** Characters one sub-call prompt should carry, told to the model. */
  subCallChars: number;
  /** The planner's prompt window in tokens; unset: known from its model (`contextWindowFor`). */
  contextWindowTokens?: number;
  /** Newest turns compaction never folds. */
  keepTurns: number;
}

export const DEFAULT_RLM_SETTINGS: RlmSettings = {
  maxIterations: 20,
  maxDepth: 1,
  execTimeoutMs: 120_000,
  llmConcurrency: 16,
  rlmConcurrency: 4,
  subCallChars: 100_000,
  keepTurns: 2,
};

/** Room kept free in the window for the root model's reply (the budget reserves as much for it). */
const REPLY_TOKENS = 2_000;

/** The context of a run: text or JSON, inline or streamed (documents come from R2 as streams). */
export type RlmContext =
  | { kind: "text"; text: string }
  | { kind: "json"; value: unknown }
  | { kind: "stream"; stream: ReadableStream<Uint8Array>; format: "text" | "json" };

export interface RlmRun {
  runId: string;
  rootRunId: string;
  parentRunId: string | null;
  depth: number;
  query: string;
  context: RlmContext;
  /** The parent's code block that asked for this run, for its trace (`StartedRun.parentExec`). */
  parentExec?: ExecPosition;
}

export interface RlmPorts {
  llm: LlmPort;
  budget: BudgetPort;
  sandboxes: SandboxPort;
  recorder: RunRecorder;
  /** Where the run checkpoints after each iteration, and resumes from when a checkpoint is there already. */
  checkpoints?: CheckpointPort;
  signal?: AbortSignal;
  settings?: Partial<RlmSettings>;
}

/** Runs one RLM to an outcome. Never throws for expected endings (budget, cancel, provider or sandbox failure). */
export async function runRlm(run: RlmRun, ports: RlmPorts): Promise<RunOutcome> {
  const settings = { ...DEFAULT_RLM_SETTINGS, ...ports.settings };
  const saved = (await ports.checkpoints?.load(run.runId)) ?? null;
  if (saved?.checkpoint.outcome) {
    // A child that had finished before the restart, asked for again by its resumed parent.
    await discardContext(run.context);
    return saved.checkpoint.outcome;
  }
  const started = saved?.checkpoint.startedAt ?? Date.now();
  const usage = saved ? { ...saved.checkpoint.usage } : emptyUsage();
  const meter: Meter = {
    llm: ports.llm,
    budget: ports.budget,
    recorder: ports.recorder,
    runId: run.runId,
    usage,
    settling: new Set(),
    exec: null,
  };
  const { signal } = ports;
  ports.recorder.started(run);
  let iterations = saved?.checkpoint.turn ?? 0;
  let last: RunCheckpoint | null = saved?.checkpoint ?? null;
  let ended: RunOutcome | null = null;
  const end = (outcome: Omit<RunOutcome, "usage" | "wallMs" | "iterations">): RunOutcome => {
    const result = { ...outcome, iterations, usage, wallMs: Date.now() - started };
    ports.recorder.ended(run.runId, result);
    ended = result;
    return result;
  };

  const slot = await ports.budget.acquireSandbox();
  if (slot.status === "refused") {
    return end({ status: "failed", answer: null, forced: false, endReason: `budget:${slot.reason}`, error: null });
  }
  let sandbox: OpenedSandbox | null = null;
  try {
    const resumed = saved ? await resumeSandbox(run, ports, saved) : null;
    sandbox = resumed ?? (await ports.sandboxes.open({ run: run.runId, depth: run.depth }));
    const { repl } = sandbox;
    const spawnChild = childSpawner(run, ports, usage, () => meter.exec ?? undefined);
    const onCallback = subCallHandler(meter, { ...settings, depth: run.depth }, spawnChild, signal);
    let history: RootHistory;
    if (saved) {
      history = structuredClone(saved.checkpoint.history);
      if (!resumed) await loadContext(repl, run.context);
      else await discardContext(run.context);
      const restored = !resumed && saved.variables && repl.restore ? await repl.restore(saved.variables) : null;
      ports.recorder.step(run.runId, {
        kind: "observation",
        data: { event: "resumed", turn: saved.checkpoint.turn, sandbox: resumed ? "reattached" : "new", restored },
      });
    } else {
      const info = await loadContext(repl, run.context);
      history = {
        head: [
          {
            role: "system",
            content: rootSystemPrompt({
              canRecurse: run.depth + 1 <= settings.maxDepth,
              subCallChars: settings.subCallChars,
            }),
          },
          { role: "user", content: contextMetadata(info) },
        ],
        summary: null,
        turns: [],
      };
    }
    const windowTokens = settings.contextWindowTokens ?? contextWindowFor(ports.llm.modelFor?.("planner"));
    // What every root call sends again before its new turn prompt (head, summary, earlier turns): the hidden cost of a
    // long run, reported per iteration.
    let resentTotal = saved?.checkpoint.resentTotal ?? 0;
    /** Saves where the run is; with `variables`, the REPL's namespace too (only between iterations). */
    const checkpoint = async (turn: number, pending: RunCheckpoint["pending"], variables: boolean) => {
      const port = ports.checkpoints;
      if (!port) return;
      const snapshot = variables && repl.snapshot ? await repl.snapshot().catch(() => null) : null;
      // The trace first: a run resumed from this checkpoint must not find its recorded steps missing.
      await ports.recorder.sync?.().catch(() => {});
      last = {
        version: 1,
        turn,
        history,
        resentTotal,
        usage,
        pending,
        sandbox: sandbox?.saved ?? null,
        variables: snapshot !== null || (last?.variables ?? false),
        outcome: null,
        startedAt: started,
      };
      await port.save(run.runId, last, snapshot?.data);
    };
    if (!saved) await checkpoint(0, null, false);

    const firstTurn = saved?.checkpoint.turn ?? 0;
    for (let turn = firstTurn; turn < settings.maxIterations; turn++) {
      if (signal?.aborted) return end(cancelled());
      const turnStarted = Date.now();
      // A root call made before the restart is not made again: its response was checkpointed with its turn.
      let pending = turn === firstTurn ? (saved?.checkpoint.pending ?? null) : null;
      let current: HistoryTurn;
      if (pending) {
        current = history.turns.find((t) => t.turn === turn) ?? { turn, messages: [] };
        // Blocks run again under their exec ids: what they printed before the restart is added again.
        current.messages.splice(1);
      } else {
        const prompt: ChatMessage = { role: "user", content: turnPrompt(turn, settings.maxIterations, run.query) };
        const compacted = await compactHistory(meter, history, prompt, {
          query: run.query,
          windowTokens,
          replyTokens: REPLY_TOKENS,
          keepTurns: settings.keepTurns,
          signal,
        });
        if (compacted.status === "refused") return end(budgetEnd(compacted.reason, compacted.message));
        const earlier = historyMessages(history);
        const resentTokens = estimateTokens(earlier);
        resentTotal += resentTokens;
        const callId = `${run.runId}:${turn}:root`;
        const root = await meteredComplete(meter, "planner", [...earlier, prompt], {
          signal,
          purpose: "root",
          callId,
        });
        if (root.status === "refused") return end(budgetEnd(root.reason, root.message));
        current = { turn, messages: [{ role: "assistant", content: root.reply.content }] };
        history.turns.push(current);
        pending = {
          response: root.reply.content,
          rootCallMs: Date.now() - turnStarted,
          modelMs: root.reply.latencyMs,
          // What the root call re-read (estimated) against what the provider counted, and where the window stands.
          context: {
            resentTokens,
            resentTokensTotal: resentTotal,
            promptTokens: root.reply.usage.promptTokens,
            cachedTokens: root.reply.usage.cachedTokens,
            windowTokens,
          },
          compaction: compacted.status === "compacted" ? compacted.record : null,
        };
        await checkpoint(turn, pending, false);
      }
      const { response, rootCallMs, modelMs } = pending;
      let execWallMs = 0;
      iterations = turn + 1;

      let final: string | null = null;
      const blocks = extractReplBlocks(response);
      const outputs: Array<{
        code: string;
        output: string;
        outputChars: number;
        error: string | null;
        ms: number;
        startMs: number;
        wallMs: number;
      }> = [];
      for (const [block, code] of blocks.entries()) {
        const execStarted = Date.now();
        // Host calls made while this block runs are recorded as its own, so a trace nests them under it.
        meter.exec = { turn, block };
        const done = await repl
          .exec(code, {
            timeoutMs: settings.execTimeoutMs,
            maxOutputChars: OUTPUT_CAP_CHARS,
            onCallback,
            signal,
            // Stable, so a host that restarted during this block re-attaches to it rather than running it again.
            execId: `${run.runId}:${turn}:${block}`,
          })
          .finally(() => {
            meter.exec = null;
          });
        execWallMs += Date.now() - execStarted;
        const formatted = formatExecution(done);
        current.messages.push({ role: "user", content: formatted });
        outputs.push({
          code,
          output: formatted,
          outputChars: done.stdoutChars + done.stderrChars,
          error: done.error ? `${done.error.type}: ${done.error.message}` : null,
          ms: done.durationMs,
          // Where the block ran within the turn, as the Worker saw it, so its span can enclose its host calls.
          startMs: execStarted - turnStarted,
          wallMs: Date.now() - execStarted,
        });
        if (signal?.aborted) return end(cancelled());
        if (done.final !== null) {
          final = done.final;
          break;
        }
      }

      if (final === null) {
        const declared = findFinal(response);
        if (declared?.kind === "final") final = declared.answer;
        if (declared?.kind === "final_var") {
          const variable = await repl.readVariable(declared.name);
          if (variable.found) final = variable.value;
          else {
            // A missing variable is fed back, never returned as the answer.
            current.messages.push({
              role: "user",
              content: `FINAL_VAR(${declared.name}) failed: there is no variable named '${declared.name}'. Variables: ${variable.available.join(", ") || "(none)"}. Create it in a repl block first, or answer with FINAL(...).`,
            });
          }
        }
      }
      ports.recorder.step(run.runId, {
        kind: "iteration",
        // Where the turn's time went: the root call with its budget round trips, the model alone, the blocks' execs.
        data: {
          turn,
          response,
          blocks: outputs,
          final,
          timings: { rootCallMs, modelMs, execWallMs },
          context: pending.context,
          ...(pending.compaction ? { compaction: pending.compaction } : {}),
        },
        latencyMs: Date.now() - turnStarted,
      });
      if (final !== null)
        return end({ status: "completed", answer: final, forced: false, endReason: null, error: null });
      await checkpoint(turn + 1, null, true);
    }

    const forced = await meteredComplete(
      meter,
      "planner",
      [...historyMessages(history), { role: "user", content: FORCED_ANSWER_PROMPT }],
      {
        signal,
        purpose: "forced_answer",
        callId: `${run.runId}:forced`,
      },
    );
    if (forced.status === "refused") return end(budgetEnd(forced.reason, forced.message));
    return end({
      status: "completed",
      answer: unwrapForcedAnswer(forced.reply.content),
      forced: true,
      endReason: "max_iterations",
      error: null,
    });
  } catch (err) {
    if (signal?.aborted || (err instanceof Error && err.name === "AbortError")) return end(cancelled());
    const error = isAppError(err)
      ? { code: err.code, message: err.message }
      : { code: "internal", message: "The run failed unexpectedly" };
    if (!isAppError(err)) console.error(JSON.stringify({ level: "error", runId: run.runId, err: String(err) }));
    return end({ status: "failed", answer: null, forced: false, endReason: error.code, error });
  } finally {
    await settled(meter);
    // The ending is kept too: a resumed parent asking for this child again gets its answer, not a second run.
    const final: RunOutcome | null = ended;
    if (final && last && ports.checkpoints) {
      await ports.checkpoints.save(run.runId, { ...last, outcome: final }).catch(() => {});
    }
    await sandbox?.dispose().catch(() => {});
    await ports.budget.releaseSandbox().catch(() => {});
  }
}

/**
 * The sandbox a checkpoint names, when it survived the restart with its REPL (and namespace) alive; null when a new
 * one is needed.
 */
async function resumeSandbox(
  run: RlmRun,
  ports: RlmPorts,
  saved: { checkpoint: RunCheckpoint },
): Promise<OpenedSandbox | null> {
  const named = saved.checkpoint.sandbox;
  if (!named || !ports.sandboxes.reopen) return null;
  return ports.sandboxes.reopen(named).catch((err: unknown) => {
    console.error(JSON.stringify({ level: "warn", runId: run.runId, msg: "sandbox reopen failed", err: String(err) }));
    return null;
  });
}

/** A streamed context that will not be read (the sandbox still has it) is cancelled, so its source is released. */
async function discardContext(context: RlmContext): Promise<void> {
  if (context.kind === "stream") await context.stream.cancel().catch(() => {});
}

function cancelled(): Omit<RunOutcome, "usage" | "wallMs" | "iterations"> {
  return { status: "cancelled", answer: null, forced: false, endReason: "cancelled", error: null };
}

function budgetEnd(reason: string, message: string): Omit<RunOutcome, "usage" | "wallMs" | "iterations"> {
  if (reason === "cancelled") return cancelled();
  return {
    status: "failed",
    answer: null,
    forced: false,
    endReason: `budget:${reason}`,
    error: { code: "budget_exhausted", message },
  };
}

async function loadContext(repl: ReplPort, context: RlmContext) {
  switch (context.kind) {
    case "text":
      return repl.loadContext(context.text, { format: "text" });
    case "json":
      return repl.loadContext(JSON.stringify(context.value), { format: "json", fileName: "context.json" });
    case "stream":
      return repl.loadContext(context.stream, {
        format: context.format,
        fileName: context.format === "json" ? "context.json" : "context.txt",
      });
  }
}

/** `rlm_query`: a child run at depth+1 with its own sandbox and a lease of the parent's budget. */
function childSpawner(
  parent: RlmRun,
  ports: RlmPorts,
  parentUsage: RunOutcome["usage"],
  parentExec: () => ExecPosition | undefined,
) {
  return async (prompt: string, context: unknown, signal?: AbortSignal, callId?: string): Promise<string> => {
    // Named by the call, so a resumed parent's repeated call resumes (or answers from) the same child.
    const runId = callId ? await stableUuid(callId) : crypto.randomUUID();
    const lease = await ports.budget.lease(runId, parent.depth + 1);
    if (lease.status === "refused") return `Error: ${lease.message}`;
    try {
      const outcome = await runRlm(
        {
          runId,
          rootRunId: parent.rootRunId,
          parentRunId: parent.runId,
          parentExec: parentExec(),
          depth: parent.depth + 1,
          query: prompt,
          context: typeof context === "string" ? { kind: "text", text: context } : { kind: "json", value: context },
        },
        { ...ports, budget: lease.budget, signal: signal ?? ports.signal },
      );
      addUsage(parentUsage, outcome.usage);
      if (outcome.status === "completed" && outcome.answer !== null) return outcome.answer;
      return `Error: the child run ${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ""}`;
    } finally {
      await lease.budget.close().catch(() => {});
    }
  };
}
