/**
 * Turns what a run tree records (runs started and ended, iterations, LLM calls, sandbox executions, tool calls) into
 * OpenTelemetry spans, as a `RunRecorder` observer. Pure: the clock is injected and finished spans go to a callback.
 *
 * The tree: agent run → tool call → delegated RLM run → iteration → LLM call / sandbox exec, and a child RLM run
 * (`rlm_query`) under the iteration of its parent that was running when it started. Steps are reported when they
 * end, with their latency, so each span starts at `now - latencyMs`. An iteration's span is exported when the
 * iteration is recorded, after its LLM calls and child runs; its id is derived (`./ids.ts`), so they can name it first.
 *
 * LLM spans follow the OpenTelemetry GenAI semantic conventions. Prompts, answers and code are tenant data and never
 * leave as span attributes (the conventions make content capture opt-in); sizes and counts do.
 */
import type { RecordedStep, RunOutcome, RunRecorder } from "../rlm/ports";
import { spanIdFor, traceIdFor } from "./ids";
import type { AttributeValue, SpanRecord } from "./span";

/** Longest error message kept on a span: enough to recognise the failure, too short to carry tenant content. */
const STATUS_MESSAGE_CHARS = 200;
/** The GenAI provider name of the wire API every LLM endpoint here speaks (OpenAI-compatible chat completions). */
const PROVIDER_NAME = "openai";
const AGENT_NAME = "fleet-rlm agent";

/** Settings of {@link spanBuilder}. */
export interface SpanBuilderOptions {
  tenantId: string;
  /**
   * The agent run of a chat turn or agent task. Its rows are written by its host, not through `started`, so the
   * builder opens its span on creation; RLM runs whose parent it is hang under its tool call.
   */
  agentRunId?: string;
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
}

function clip(text: string): string {
  return text.length > STATUS_MESSAGE_CHARS ? `${text.slice(0, STATUS_MESSAGE_CHARS)}…` : text;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Span ids by what they stand for; shared with the trace JSON so both name the same spans. */
export const spanIds = {
  run: (runId: string) => spanIdFor("run", runId),
  iteration: (runId: string, index: number) => spanIdFor("iteration", runId, String(index)),
};

/**
 * Creates the observer. Every callback is synchronous and cheap; the caller decides where spans go.
 * @example
 * const spans: SpanRecord[] = [];
 * dbRecorder({ env, tenantId, observer: spanBuilder({ tenantId, onSpan: (s) => spans.push(s) }) });
 */
export function spanBuilder(options: SpanBuilderOptions): Partial<RunRecorder> {
  const now = options.now ?? Date.now;
  const runs = new Map<string, RunState>();
  const base = { "fleet.tenant.id": options.tenantId };

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
    };
  }

  /** The span a new child (call or run) of `run` hangs under, noting that the running iteration has begun. */
  function childParent(run: RunState, runId: string, startMs: number): string {
    if (run.kind === "agent") return run.openTool?.spanId ?? run.spanId;
    run.iterationStartMs = Math.min(run.iterationStartMs ?? startMs, startMs);
    return spanIds.iteration(runId, run.iteration);
  }

  function emit(
    run: RunState,
    head: Omit<SpanRecord, "traceId" | "attributes">,
    attributes: Record<string, AttributeValue | undefined>,
  ): void {
    options.onSpan({
      ...head,
      traceId: run.traceId,
      endMs: Math.max(head.startMs, head.endMs),
      attributes: { ...base, ...attributes },
    });
  }

  function iterationSpan(runId: string, run: RunState, step: RecordedStep | null, endMs: number): void {
    const index = run.iteration;
    const spanId = spanIds.iteration(runId, index);
    const startMs = step ? endMs - Math.round(step.latencyMs ?? 0) : Math.min(run.iterationStartMs ?? endMs, endMs);
    const blocks = step && Array.isArray(step.data.blocks) ? (step.data.blocks as Array<Record<string, unknown>>) : [];
    emit(
      run,
      {
        spanId,
        parentSpanId: run.spanId,
        name: "rlm.iteration",
        kind: "internal",
        startMs,
        endMs,
        status: { code: "unset" },
      },
      {
        "fleet.run.id": runId,
        "fleet.iteration.index": index,
        "fleet.iteration.blocks": blocks.length,
        "fleet.iteration.final": step ? step.data.final !== null && step.data.final !== undefined : false,
        // An iteration the run ended inside (budget, cancellation, failure) is closed at the run's end.
        "fleet.iteration.incomplete": step ? undefined : true,
      },
    );
    const timings = (step?.data.timings ?? {}) as Record<string, unknown>;
    // Blocks run one after another once the root call has answered.
    let cursor = startMs + (num(timings.rootCallMs) ?? 0);
    blocks.forEach((block, j) => {
      const ms = Math.round(num(block.ms) ?? 0);
      const error = str(block.error);
      emit(
        run,
        {
          spanId: spanIdFor("exec", runId, String(index), String(j)),
          parentSpanId: spanId,
          name: "sandbox.exec",
          kind: "internal",
          startMs: cursor,
          endMs: cursor + ms,
          status: error ? { code: "error", message: clip(error) } : { code: "unset" },
        },
        {
          "fleet.run.id": runId,
          "fleet.exec.index": j,
          "fleet.exec.code_chars": typeof block.code === "string" ? block.code.length : undefined,
          "fleet.exec.output_chars": num(block.outputChars),
        },
      );
      cursor += ms;
    });
    run.iteration += 1;
    run.iterationStartMs = null;
  }

  function llmSpan(runId: string, run: RunState, step: RecordedStep, endMs: number): void {
    const startMs = endMs - Math.round(step.latencyMs ?? 0);
    // The forced answer comes after the last iteration, so it belongs to the run itself.
    const parentSpanId = step.data.purpose === "forced_answer" ? run.spanId : childParent(run, runId, startMs);
    const responseModel = str(step.data.model);
    const requestModel = str(step.data.requestModel) ?? responseModel;
    emit(
      run,
      {
        spanId: spanIdFor("llm", runId, String(run.calls++)),
        parentSpanId,
        name: `chat ${requestModel ?? "unknown"}`,
        kind: "client",
        startMs,
        endMs,
        status: { code: "unset" },
      },
      {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": PROVIDER_NAME,
        "gen_ai.request.model": requestModel,
        "gen_ai.response.model": responseModel,
        "gen_ai.usage.input_tokens": step.promptTokens ?? 0,
        "gen_ai.usage.output_tokens": step.completionTokens ?? 0,
        "gen_ai.response.finish_reasons": str(step.data.finishReason),
        "fleet.run.id": runId,
        "fleet.llm.role": str(step.data.role),
        "fleet.llm.purpose": str(step.data.purpose),
        "fleet.llm.cached_tokens": num(step.data.cachedTokens),
        "fleet.llm.cost_usd": step.costUsd ?? 0,
      },
    );
  }

  function closeTool(runId: string, run: RunState, endMs: number, ok: boolean | undefined): void {
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
        status: ok === false ? { code: "error", message: "the tool reported a failure" } : { code: "unset" },
      },
      {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": tool.name,
        "gen_ai.tool.call.id": tool.callId,
        "fleet.run.id": runId,
      },
    );
  }

  return {
    started(run) {
      const startMs = now();
      const parent = run.parentRunId ? runs.get(run.parentRunId) : undefined;
      const parentSpanId = parent
        ? childParent(parent, run.parentRunId as string, startMs)
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
              parentSpanId: childParent(run, runId, startMs),
              name: "sandbox.exec",
              kind: "internal",
              startMs,
              endMs,
              status: { code: "unset" },
            },
            {
              "fleet.run.id": runId,
            },
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
    ended(runId, outcome: RunOutcome) {
      const run = runs.get(runId);
      if (!run) return;
      runs.delete(runId);
      const endMs = now();
      if (run.iterationStartMs !== null) iterationSpan(runId, run, null, endMs);
      closeTool(runId, run, endMs, undefined);
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
          "fleet.usage.llm_calls": outcome.usage.llmCalls,
          "fleet.usage.prompt_tokens": outcome.usage.promptTokens,
          "fleet.usage.completion_tokens": outcome.usage.completionTokens,
          "fleet.usage.cost_usd": outcome.usage.costUsd,
        },
      );
    },
  };
}
