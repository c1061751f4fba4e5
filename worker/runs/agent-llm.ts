/**
 * The agent's own LLM calls, metered like the RLM's: each reserves one call and its estimated tokens and cost from
 * the turn's budget first, settles with the actuals after, and is recorded as a step and a trace event.
 */
import { estimateMessageTokens } from "../agent/context-window";
import type { Emit } from "../agent/tool";
import { AppError } from "../errors";
import type { LlmCompletion, LlmGateway, LlmRequest } from "../llm";
import type { BudgetPort, RunRecorder, RunUsage } from "../rlm";
import { addUsage, llmFailure } from "../rlm";

/** Completion tokens reserved per agent call: a long answer fits; the actual count replaces it at settlement. */
const RESERVED_COMPLETION_TOKENS = 4_096;

export interface MeteredAgentLlmDeps {
  gateway: LlmGateway;
  budget: BudgetPort;
  recorder: RunRecorder;
  emit: Emit;
  runId: string;
  usage: RunUsage;
  /** Called after each call, e.g. to publish the budget. */
  afterCall?: () => void;
}

export function meteredAgentLlm(deps: MeteredAgentLlmDeps): { complete(request: LlmRequest): Promise<LlmCompletion> } {
  return {
    async complete(request) {
      const promptTokens =
        estimateMessageTokens(request.messages) + Math.ceil(JSON.stringify(request.tools ?? []).length / 4);
      const reservation = await deps.budget.reserve({
        llmCalls: 1,
        tokens: promptTokens + RESERVED_COMPLETION_TOKENS,
        costUsd: deps.gateway.estimateCostUsd("planner", promptTokens, RESERVED_COMPLETION_TOKENS),
      });
      if (reservation.status === "refused") {
        // A cancelled turn also lands here; its loop sees the aborted signal and reports a cancellation instead.
        throw new AppError("budget_exhausted", `The turn's budget is spent: ${reservation.message}`);
      }
      const requestModel = request.model ?? deps.gateway.modelFor(request.role);
      const started = Date.now();
      let reply: LlmCompletion;
      try {
        reply = await deps.gateway.complete(request);
      } catch (err) {
        await deps.budget.release(reservation.id).catch(() => {});
        // A failed call is a step too, so the trace shows what the turn spent its time on and why it stopped.
        const data = { role: "planner", purpose: "agent", requestModel, error: llmFailure(err) };
        const latencyMs = Date.now() - started;
        const io = { messages: request.messages };
        deps.recorder.step(deps.runId, { kind: "llm_call", data, latencyMs, endpoint: deps.gateway.baseUrl, io });
        deps.emit({ kind: "llm_call", runId: deps.runId, depth: 0, data: { ...data, latencyMs } });
        throw err;
      }
      const { usage } = reply;
      await deps.budget.settle(reservation.id, {
        tokens: usage.promptTokens + usage.completionTokens,
        costUsd: reply.costUsd,
      });
      addUsage(deps.usage, { llmCalls: 1, ...usage, costUsd: reply.costUsd });
      const data = {
        role: "planner",
        purpose: "agent",
        requestModel,
        model: reply.model,
        cachedTokens: usage.cachedTokens,
        finishReason: reply.finishReason,
      };
      const measures = {
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        costUsd: reply.costUsd,
        latencyMs: reply.latencyMs,
      };
      const io = { messages: request.messages, reply: { content: reply.content, toolCalls: reply.toolCalls } };
      deps.recorder.step(deps.runId, { kind: "llm_call", data, ...measures, endpoint: deps.gateway.baseUrl, io });
      deps.emit({ kind: "llm_call", runId: deps.runId, depth: 0, data: { ...data, ...measures } });
      deps.afterCall?.();
      return reply;
    },
  };
}
