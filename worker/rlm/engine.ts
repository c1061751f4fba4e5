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
  ExecPosition,
  LlmPort,
  ReplPort,
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
  signal?: AbortSignal;
  settings?: Partial<RlmSettings>;
}

/** Runs one RLM to an outcome. Never throws for expected endings (budget, cancel, provider or sandbox failure). */
export async function runRlm(run: RlmRun, ports: RlmPorts): Promise<RunOutcome> {
  const settings = { ...DEFAULT_RLM_SETTINGS, ...ports.settings };
  const started = Date.now();
  const usage = emptyUsage();
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
  let iterations = 0;
  const end = (outcome: Omit<RunOutcome, "usage" | "wallMs" | "iterations">): RunOutcome => {
    const result = { ...outcome, iterations, usage, wallMs: Date.now() - started };
    ports.recorder.ended(run.runId, result);
    return result;
  };

  const slot = await ports.budget.acquireSandbox();
  if (slot.status === "refused") {
    return end({ status: "failed", answer: null, forced: false, endReason: `budget:${slot.reason}`, error: null });
  }
  let sandbox: { repl: ReplPort; dispose(): Promise<void> } | null = null;
  try {
    sandbox = await ports.sandboxes.open({ run: run.runId, depth: run.depth });
    const { repl } = sandbox;
    const info = await loadContext(repl, run.context);
    const spawnChild = childSpawner(run, ports, usage, () => meter.exec ?? undefined);
    const onCallback = subCallHandler(meter, { ...settings, depth: run.depth }, spawnChild, signal);
    const history: RootHistory = {
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
    const windowTokens = settings.contextWindowTokens ?? contextWindowFor(ports.llm.modelFor?.("planner"));
    // What every root call sends again before its new turn prompt (head, summary, earlier turns): the hidden cost of a
    // long run, reported per iteration.
    let resentTotal = 0;

    for (let turn = 0; turn < settings.maxIterations; turn++) {
      if (signal?.aborted) return end(cancelled());
      const turnStarted = Date.now();
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
      const root = await meteredComplete(meter, "planner", [...earlier, prompt], { signal, purpose: "root" });
      if (root.status === "refused") return end(budgetEnd(root.reason, root.message));
      const rootCallMs = Date.now() - turnStarted;
      let execWallMs = 0;
      iterations = turn + 1;
      const response = root.reply.content;
      const current: HistoryTurn = { turn, messages: [{ role: "assistant", content: response }] };
      history.turns.push(current);

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
          timings: { rootCallMs, modelMs: root.reply.latencyMs, execWallMs },
          // What the root call re-read (estimated) against what the provider counted, and where the window stands.
          context: {
            resentTokens,
            resentTokensTotal: resentTotal,
            promptTokens: root.reply.usage.promptTokens,
            cachedTokens: root.reply.usage.cachedTokens,
            windowTokens,
          },
          ...(compacted.status === "compacted" ? { compaction: compacted.record } : {}),
        },
        latencyMs: Date.now() - turnStarted,
      });
      if (final !== null)
        return end({ status: "completed", answer: final, forced: false, endReason: null, error: null });
    }

    const forced = await meteredComplete(
      meter,
      "planner",
      [...historyMessages(history), { role: "user", content: FORCED_ANSWER_PROMPT }],
      {
        signal,
        purpose: "forced_answer",
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
    await sandbox?.dispose().catch(() => {});
    await ports.budget.releaseSandbox().catch(() => {});
  }
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
  return async (prompt: string, context: unknown, signal?: AbortSignal): Promise<string> => {
    const runId = crypto.randomUUID();
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
