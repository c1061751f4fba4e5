/**
 * Turns what a run tree records (runs started and ended, iterations, LLM calls, sandbox executions, tool calls) into
 * OpenTelemetry spans, as a `RunRecorder` observer. Pure: the clock is injected and finished spans go to a callback.
 *
 * The tree: agent run → tool call → delegated RLM run → iteration → LLM call / sandbox exec, and a child RLM run
 * (`rlm_query`) under the iteration of its parent that was running when it started. Steps are reported when they
 * end, with their latency, so each span starts at `now - latencyMs`. An iteration's span is exported when the
 * iteration is recorded, after its LLM calls and child runs; its id is derived (`./ids.ts`), so they can name it first.
 * Host calls made from a code block (`llm_query`, `rlm_query`) hang under that block's `sandbox.exec` span, which is
 * widened to enclose them. OTLP has no partial spans, so whatever a run leaves open when it ends (or when its host
 * gives up on it, see {@link SpanBuilder.closeOpen}) is exported then with status ERROR: no span names a parent that
 * is never exported.
 *
 * LLM spans follow the OpenTelemetry GenAI semantic conventions. Prompts, answers and code are tenant data and never
 * leave as span attributes (the conventions make content capture opt-in); sizes and counts do.
 */
import type { ExecPosition, RecordedStep, RunOutcome, RunRecorder } from "../rlm";
import type { SpanAttributes } from "./attributes";
import { spanIdFor, traceIdFor } from "./ids";
import { type LlmEndpoint, llmEndpoint } from "./llm-endpoint";
import type { SpanRecord } from "./span";

/** Longest error message kept on a span: enough to recognise the failure, too short to carry tenant content. */
const STATUS_MESSAGE_CHARS = 200;
/** The provider named when a call's endpoint is unknown: the wire API every endpoint here speaks. */
const FALLBACK_PROVIDER = "openai";
const AGENT_NAME = "fleet-rlm agent";
/** The `error.type` of spans a run left open: closed for it, not by their own ending. */
const INCOMPLETE = "incomplete";

/** Settings of {@link spanBuilder}. */
export interface SpanBuilderOptions {
  tenantId: string;
  /**
   * The agent run of a chat turn or agent task. Its rows are written by its host, not through `started`, so the
   * builder opens its span on creation; RLM runs whose parent it is hang under its tool call.
   */
  agentRunId?: string;
  /** The chat session a turn belongs to, exported as `gen_ai.conversation.id`. */
  conversationId?: string;
  /** Receives each span as it ends. */
  onSpan: (span: SpanRecord) => void;
  now?: () => number;
}

interface OpenTool {
  spanId: string;
  startMs: number;
  name: string;
  callId: string;
}

interface RunState {
  kind: "agent" | "rlm";
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  parentRunId: string | null;
  depth: number;
  startMs: number;
  /** Index of the iteration now running (the count of recorded ones). */
  iteration: number;
  /** Earliest start of anything seen inside the running iteration; null while nothing is. */
  iterationStartMs: number | null;
  openTool: OpenTool | null;
  toolCalls: number;
  /** LLM calls and bare sandbox execs seen, numbering their spans in the order they ended. */
  calls: number;
  /** Code blocks of the running iteration that host calls hung under, with the time those calls covered. */
  execs: Map<number, { startMs: number; endMs: number }>;
  /** Where this run's last LLM call went; an agent's span names its provider. */
  endpoint: LlmEndpoint | null;
}

/** The observer, plus the one thing a host does when it gives up on a tree. */
export interface SpanBuilder extends Partial<RunRecorder> {
  /**
   * Ends every run still open (and whatever is open inside it) with status ERROR at `now`: for a host that stops
   * without reporting an ending, so the spans already exported under those runs have their parents.
   */
  closeOpen(message: string): void;
}

function errorOf(data: Record<string, unknown>): { code: string; message: string } | null {
  const error = data.error as { code?: unknown; message?: unknown } | null | undefined;
  if (!error || typeof error !== "object") return null;
  return { code: str(error.code) ?? "error", message: str(error.message) ?? "failed" };
}

function clip(text: string): string {
  return text.length > STATUS_MESSAGE_CHARS ? `${text.slice(0, STATUS_MESSAGE_CHARS)}…` : text;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** How many turns a compaction kept whole (`{from, to}`, inclusive). */
function keptTurns(value: unknown): number | undefined {
  const { from, to } = record(value);
  return typeof from === "number" && typeof to === "number" ? to - from + 1 : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Span ids by what they stand for; shared with the trace JSON so both name the same spans. */
export const spanIds = {
  run: (runId: string) => spanIdFor("run", runId),
  iteration: (runId: string, index: number) => spanIdFor("iteration", runId, String(index)),
  exec: (runId: string, turn: number, block: number) => spanIdFor("exec", runId, String(turn), String(block)),
};

/** The head of a code block's `sandbox.exec` span, under its iteration's span. */
function execHead(
  runId: string,
  index: number,
  block: number,
  startMs: number,
  endMs: number,
  status: SpanRecord["status"],
): Omit<SpanRecord, "traceId" | "attributes"> {
  return {
    spanId: spanIds.exec(runId, index, block),
    parentSpanId: spanIds.iteration(runId, index),
    name: "sandbox.exec",
    kind: "internal",
    startMs,
    endMs,
    status,
  };
}

function execPosition(value: unknown): ExecPosition | null {
  const exec = value as Partial<ExecPosition> | null | undefined;
  return exec && typeof exec.turn === "number" && typeof exec.block === "number"
    ? { turn: exec.turn, block: exec.block }
    : null;
}

/**
 * Creates the observer. Every callback is synchronous and cheap; the caller decides where spans go.
 * @example
 * const spans: SpanRecord[] = [];
 * dbRecorder({ env, tenantId, observer: spanBuilder({ tenantId, onSpan: (s) => spans.push(s) }) });
 */
export function spanBuilder(options: SpanBuilderOptions): SpanBuilder {
  const now = options.now ?? Date.now;
  const runs = new Map<string, RunState>();
  const base: SpanAttributes = {
    "fleet.tenant.id": options.tenantId,
    "gen_ai.conversation.id": options.conversationId,
  };

  if (options.agentRunId) {
    const runId = options.agentRunId;
    runs.set(runId, newRun("agent", runId, runId, null, null, 0, now()));
  }

  function newRun(
    kind: RunState["kind"],
    runId: string,
    rootRunId: string,
    parentRunId: string | null,
    parentSpanId: string | null,
    depth: number,
    startMs: number,
  ): RunState {
    return {
      kind,
      traceId: traceIdFor(rootRunId),
      spanId: spanIds.run(runId),
      parentSpanId,
      parentRunId,
      depth,
      startMs,
      iteration: 0,
      iterationStartMs: null,
      openTool: null,
      toolCalls: 0,
      calls: 0,
      execs: new Map(),
      endpoint: null,
    };
  }

  /**
   * The span a new child (call or run) of `run` hangs under: the code block that made it when known, else the running
   * iteration, noting that the iteration (and block) has begun by `startMs` and lasts until at least `endMs`.
   */
  function childParent(
    run: RunState,
    runId: string,
    startMs: number,
    endMs: number,
    exec: ExecPosition | null,
  ): string {
    if (run.kind === "agent") return run.openTool?.spanId ?? run.spanId;
    run.iterationStartMs = Math.min(run.iterationStartMs ?? startMs, startMs);
    // Only a block of the running iteration can still be widened and exported; a stale position falls back.
    if (!exec || exec.turn !== run.iteration) return spanIds.iteration(runId, run.iteration);
    const seen = run.execs.get(exec.block);
    run.execs.set(exec.block, {
      startMs: Math.min(seen?.startMs ?? startMs, startMs),
      endMs: Math.max(seen?.endMs ?? endMs, endMs),
    });
    return spanIds.exec(runId, exec.turn, exec.block);
  }

  function emit(run: RunState, head: Omit<SpanRecord, "traceId" | "attributes">, attributes: SpanAttributes): void {
    options.onSpan({
      ...head,
      traceId: run.traceId,
      endMs: Math.max(head.startMs, head.endMs),
      attributes: { ...base, ...attributes },
    });
  }

  /** Exports the running iteration (from its step, or as left open when `step` is null) and its code blocks. */
  function iterationSpan(runId: string, run: RunState, step: RecordedStep | null, endMs: number): void {
    const index = run.iteration;
    const spanId = spanIds.iteration(runId, index);
    const startMs = step ? endMs - Math.round(step.latencyMs ?? 0) : Math.min(run.iterationStartMs ?? endMs, endMs);
    const blocks = step && Array.isArray(step.data.blocks) ? (step.data.blocks as Array<Record<string, unknown>>) : [];
    const compaction = record(step?.data.compaction);
    emit(
      run,
      {
        spanId,
        parentSpanId: run.spanId,
        name: "rlm.iteration",
        kind: "internal",
        startMs: Math.min(startMs, run.iterationStartMs ?? startMs),
        endMs,
        status: step ? { code: "unset" } : { code: "error", message: "the run ended inside this iteration" },
      },
      {
        "fleet.run.id": runId,
        "fleet.iteration.index": index,
        "fleet.iteration.blocks": blocks.length,
        "fleet.iteration.final": step ? step.data.final !== null && step.data.final !== undefined : false,
        // The history this iteration's root call re-sent, and a compaction made before it: what it folded and kept.
        "fleet.iteration.resent_tokens": num(record(step?.data.context).resentTokens),
        "fleet.compaction.folded_turns": num(compaction.foldedTurns),
        "fleet.compaction.summarised_to": num(record(compaction.summarised).to),
        "fleet.compaction.kept_turns": keptTurns(compaction.kept),
        // An iteration the run ended inside (budget, cancellation, failure) is closed at the run's end.
        "fleet.span.incomplete": step ? undefined : true,
        "error.type": step ? undefined : INCOMPLETE,
      },
    );
    const timings = (step?.data.timings ?? {}) as Record<string, unknown>;
    // Without recorded offsets, blocks are laid one after another once the root call has answered.
    let cursor = startMs + (num(timings.rootCallMs) ?? 0);
    blocks.forEach((block, j) => {
      const offset = num(block.startMs);
      const blockStart = offset === undefined ? cursor : startMs + offset;
      const blockEnd = blockStart + Math.round(num(block.wallMs) ?? num(block.ms) ?? 0);
      const calls = run.execs.get(j);
      run.execs.delete(j);
      const error = str(block.error);
      emit(
        run,
        execHead(
          runId,
          index,
          j,
          Math.min(blockStart, calls?.startMs ?? blockStart),
          Math.max(blockEnd, calls?.endMs ?? blockEnd),
          error ? { code: "error", message: clip(error) } : { code: "unset" },
        ),
        {
          "fleet.run.id": runId,
          "fleet.exec.index": j,
          "fleet.exec.code_chars": typeof block.code === "string" ? block.code.length : undefined,
          "fleet.exec.output_chars": num(block.outputChars),
          "error.type": error ? (error.split(":")[0] ?? "error") : undefined,
        },
      );
      cursor = blockEnd;
    });
    // Blocks that host calls named but the iteration did not report (it never ended) still get their span.
    for (const [j, calls] of run.execs) {
      emit(
        run,
        execHead(runId, index, j, calls.startMs, Math.max(calls.endMs, endMs), {
          code: "error",
          message: "the run ended while this block ran",
        }),
        { "fleet.run.id": runId, "fleet.exec.index": j, "fleet.span.incomplete": true, "error.type": INCOMPLETE },
      );
    }
    run.execs.clear();
    run.iteration += 1;
    run.iterationStartMs = null;
  }

  function llmSpan(runId: string, run: RunState, step: RecordedStep, endMs: number): void {
    const startMs = endMs - Math.round(step.latencyMs ?? 0);
    // The forced answer comes after the last iteration, so it belongs to the run itself.
    const parentSpanId =
      step.data.purpose === "forced_answer"
        ? run.spanId
        : childParent(run, runId, startMs, endMs, execPosition(step.data.exec));
    const responseModel = str(step.data.model);
    const requestModel = str(step.data.requestModel) ?? responseModel;
    const endpoint = step.endpoint ? llmEndpoint(step.endpoint) : null;
    if (endpoint) run.endpoint = endpoint;
    const error = errorOf(step.data);
    const finishReason = str(step.data.finishReason);
    emit(
      run,
      {
        // A call's stable id (a resumed run's calls continue its trace without reusing an id), else its order.
        spanId: callSpanId(runId, step.data, run.calls++),
        parentSpanId,
        name: `chat ${requestModel ?? "unknown"}`,
        kind: "client",
        startMs,
        endMs,
        status: error ? { code: "error", message: clip(error.message) } : { code: "unset" },
      },
      {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": endpoint?.provider ?? FALLBACK_PROVIDER,
        "server.address": endpoint?.address,
        "server.port": endpoint?.port,
        "gen_ai.request.model": requestModel,
        "gen_ai.response.model": responseModel,
        // Counts the provider did not report (a failed call has none) are left out, never sent as 0.
        "gen_ai.usage.input_tokens": step.promptTokens,
        "gen_ai.usage.output_tokens": step.completionTokens,
        "gen_ai.usage.cache_read.input_tokens": num(step.data.cachedTokens),
        "gen_ai.usage.cost": step.costUsd,
        "gen_ai.response.finish_reasons": finishReason ? [finishReason] : undefined,
        "error.type": error?.code,
        "fleet.run.id": runId,
        "fleet.llm.role": str(step.data.role),
        "fleet.llm.purpose": str(step.data.purpose),
        "fleet.llm.cost_usd": step.costUsd,
        "fleet.llm.batch.id": str(step.data.batchId),
        "fleet.llm.batch.index": num(step.data.batchIndex),
        "fleet.llm.batch.size": num(step.data.batchSize),
      },
    );
  }

  /** Exports the open tool call: by its observation (`ok` known), or closed for it by the run's end. */
  function closeTool(runId: string, run: RunState, endMs: number, ok: boolean | undefined, byRunEnd = false): void {
    const tool = run.openTool;
    if (!tool) return;
    run.openTool = null;
    emit(
      run,
      {
        spanId: tool.spanId,
        parentSpanId: run.spanId,
        name: `execute_tool ${tool.name}`,
        kind: "internal",
        startMs: tool.startMs,
        endMs,
        status: byRunEnd
          ? { code: "error", message: "the run ended before the tool answered" }
          : ok === false
            ? { code: "error", message: "the tool reported a failure" }
            : { code: "unset" },
      },
      {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": tool.name,
        "gen_ai.tool.call.id": tool.callId,
        "fleet.run.id": runId,
        "fleet.span.incomplete": byRunEnd ? true : undefined,
        "error.type": byRunEnd ? INCOMPLETE : ok === false ? "tool_error" : undefined,
      },
    );
  }

  /** Exports `runId`'s span and whatever it left open; `usage` is false when the outcome's totals are not known. */
  function endRun(runId: string, outcome: RunOutcome, usage = true): void {
    const run = runs.get(runId);
    if (!run) return;
    runs.delete(runId);
    const endMs = now();
    if (run.iterationStartMs !== null || run.execs.size > 0) iterationSpan(runId, run, null, endMs);
    closeTool(runId, run, endMs, undefined, true);
    const failed = outcome.status === "failed";
    const isAgent = run.kind === "agent";
    emit(
      run,
      {
        spanId: run.spanId,
        parentSpanId: run.parentSpanId,
        name: isAgent ? `invoke_agent ${AGENT_NAME}` : "rlm.run",
        kind: "internal",
        startMs: run.startMs,
        endMs,
        status: failed
          ? { code: "error", message: clip(outcome.error?.message ?? outcome.endReason ?? "failed") }
          : outcome.status === "completed"
            ? { code: "ok" }
            : { code: "unset" },
      },
      {
        "gen_ai.operation.name": isAgent ? "invoke_agent" : undefined,
        "gen_ai.agent.name": isAgent ? AGENT_NAME : undefined,
        "gen_ai.provider.name": isAgent ? (run.endpoint?.provider ?? FALLBACK_PROVIDER) : undefined,
        "error.type": failed ? (outcome.error?.code ?? outcome.endReason ?? "failed") : undefined,
        "fleet.run.id": runId,
        "fleet.run.parent_id": run.parentRunId ?? undefined,
        "fleet.run.kind": run.kind,
        "fleet.run.depth": run.depth,
        "fleet.run.status": outcome.status,
        "fleet.run.iterations": outcome.iterations,
        "fleet.run.forced": outcome.forced,
        "fleet.run.end_reason": outcome.endReason ?? undefined,
        "fleet.run.error_code": outcome.error?.code,
        // The tree's totals go under fleet.* so backends that sum gen_ai.usage over spans do not count them twice.
        ...(usage
          ? {
              "fleet.usage.llm_calls": outcome.usage.llmCalls,
              "fleet.usage.prompt_tokens": outcome.usage.promptTokens,
              "fleet.usage.completion_tokens": outcome.usage.completionTokens,
              "fleet.usage.cost_usd": outcome.usage.costUsd,
            }
          : {}),
      },
    );
  }

  return {
    started(run) {
      const startMs = now();
      const parent = run.parentRunId ? runs.get(run.parentRunId) : undefined;
      const parentSpanId = parent
        ? childParent(parent, run.parentRunId as string, startMs, startMs, run.parentExec ?? null)
        : run.parentRunId
          ? spanIds.run(run.parentRunId)
          : null;
      runs.set(run.runId, newRun("rlm", run.runId, run.rootRunId, run.parentRunId, parentSpanId, run.depth, startMs));
    },
    step(runId, step) {
      const run = runs.get(runId);
      if (!run) return;
      const endMs = now();
      switch (step.kind) {
        case "iteration":
          return iterationSpan(runId, run, step, endMs);
        case "llm_call":
          return llmSpan(runId, run, step, endMs);
        case "sandbox_exec": {
          const startMs = endMs - Math.round(step.latencyMs ?? 0);
          return emit(
            run,
            {
              spanId: spanIdFor("sandbox", runId, String(run.calls++)),
              parentSpanId: childParent(run, runId, startMs, endMs, null),
              name: "sandbox.exec",
              kind: "internal",
              startMs,
              endMs,
              status: { code: "unset" },
            },
            { "fleet.run.id": runId },
          );
        }
        case "tool_call": {
          closeTool(runId, run, endMs, undefined);
          run.toolCalls += 1;
          const callId = str(step.data.callId) ?? String(run.toolCalls);
          run.openTool = {
            spanId: spanIdFor("tool", runId, callId),
            startMs: endMs,
            name: str(step.data.name) ?? "tool",
            callId,
          };
          return;
        }
        case "observation":
          return closeTool(runId, run, endMs, typeof step.data.ok === "boolean" ? step.data.ok : undefined);
      }
    },
    ended: (runId, outcome) => endRun(runId, outcome),
    closeOpen(message) {
      // Children first, as in a normal ending; their totals are unknown, so none are sent.
      const open = [...runs.entries()].sort(([, a], [, b]) => b.depth - a.depth || b.startMs - a.startMs);
      for (const [runId, run] of open) {
        endRun(
          runId,
          {
            status: "failed",
            answer: null,
            forced: false,
            iterations: run.iteration,
            endReason: INCOMPLETE,
            error: { code: INCOMPLETE, message },
            usage: { llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
            wallMs: 0,
          },
          false,
        );
      }
    },
  };
}

function callSpanId(runId: string, data: Record<string, unknown>, order: number): string {
  const callId = str(data.callId);
  if (!callId) return spanIdFor("llm", runId, String(order));
  return spanIdFor("llm", runId, callId, typeof data.batchIndex === "number" ? String(data.batchIndex) : "");
}
