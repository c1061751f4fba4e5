/**
 * Serves the host functions sandbox code calls: `llm_query`, `llm_query_batched`, `rlm_query`, `rlm_query_batched`,
 * and `budget()`, which reads what the run's scope of the shared budget can still spend.
 * Batches never fail as a whole: a failed prompt becomes an `[ERROR] …` string in its slot. Budget exhaustion is the
 * one failure raised into Python (as `BudgetExhaustedError`), because the model must change course.
 */
import type { CallbackCall } from "../contracts/repl";
import { isAppError } from "../errors";
import { HostCallFailure } from "../sandbox/repl-session";
import { mapWithConcurrency } from "./concurrency";
import { callEstimate, type Meter, meteredComplete, recordedComplete, settled, settleLater } from "./metered-llm";
import type { ChatMessage } from "./ports";
import { SUB_CALL_SYSTEM_PROMPT } from "./prompts";

export interface SubCallSettings {
  /** Concurrent `llm_query_batched` prompts. */
  llmConcurrency: number;
  /** Concurrent child RLMs of one `rlm_query_batched`. */
  rlmConcurrency: number;
  /** Depth of the run whose code is calling. */
  depth: number;
  maxDepth: number;
}

/**
 * Starts a child RLM on `prompt` with `context` (the prompt itself when none is given); returns its answer. `callId`
 * names the call stably, so the child a resumed parent asks for again is the same run.
 */
export type SpawnChild = (prompt: string, context: unknown, signal?: AbortSignal, callId?: string) => Promise<string>;

/** Builds the callback handler of one run. */
export function subCallHandler(meter: Meter, settings: SubCallSettings, spawnChild: SpawnChild, signal?: AbortSignal) {
  const messagesFor = (prompt: string): ChatMessage[] => [
    { role: "system", content: SUB_CALL_SYSTEM_PROMPT },
    { role: "user", content: prompt },
  ];
  const llmQuery = async (prompt: string, model: string | undefined, callId: string): Promise<string> => {
    const result = await meteredComplete(meter, "delegate", messagesFor(prompt), {
      signal,
      model,
      purpose: "llm_query",
      callId,
    });
    if (result.status === "refused") throw new HostCallFailure("budget_exhausted", result.message);
    return result.reply.content;
  };

  /**
   * `llm_query_batched`: one reservation for the whole batch and one settlement after it, instead of two budget
   * round trips per prompt (which serialise on the budget object and cap fan-out throughput). When the budget cannot
   * cover the whole batch, prompts are reserved one by one so the ones that fit still run.
   */
  const llmQueryBatched = async (prompts: string[], model: string | undefined, callId: string): Promise<string[]> => {
    const estimates = prompts.map((prompt) => callEstimate(meter, "delegate", messagesFor(prompt)));
    const grant = await meter.budget.reserve({
      llmCalls: prompts.length,
      tokens: estimates.reduce((n, e) => n + e.tokens, 0),
      costUsd: estimates.reduce((n, e) => n + e.costUsd, 0),
      callId,
    });
    if (grant.status === "refused") {
      return batch(prompts, settings.llmConcurrency, (prompt, i) => llmQuery(prompt, model, `${callId}:${i}`));
    }
    const actual = { tokens: 0, costUsd: 0 };
    const batchId = crypto.randomUUID();
    try {
      return await mapWithConcurrency(prompts, settings.llmConcurrency, async (prompt, index) => {
        try {
          const reply = await recordedComplete(meter, "delegate", messagesFor(prompt), {
            signal,
            model,
            purpose: "llm_query_batched",
            batch: { id: batchId, index, size: prompts.length },
            callId,
          });
          actual.tokens += reply.usage.promptTokens + reply.usage.completionTokens;
          actual.costUsd += reply.costUsd;
          return reply.content;
        } catch (err) {
          return `[ERROR] ${errorText(err)}`;
        }
      });
    } finally {
      settleLater(meter, grant.id, actual);
    }
  };

  const rlmQuery = async (prompt: string, context: unknown, callId: string): Promise<string> => {
    // At the depth limit a child RLM degrades to a plain sub-call, as in the reference implementation.
    if (settings.depth + 1 > settings.maxDepth) {
      const text = context === undefined || context === null ? prompt : `${prompt}\n\n${stringify(context)}`;
      return llmQuery(text, undefined, callId);
    }
    return spawnChild(prompt, context ?? prompt, signal, callId);
  };

  /** Runs a batch; returns `[ERROR]` strings for failures, or raises when the budget refused every prompt. */
  const batch = async <T>(
    items: T[],
    limit: number,
    one: (item: T, index: number) => Promise<string>,
  ): Promise<string[]> => {
    let refusal: HostCallFailure | null = null;
    const answers = await mapWithConcurrency(items, limit, async (item, index) => {
      try {
        return await one(item, index);
      } catch (err) {
        if (err instanceof HostCallFailure && err.type === "budget_exhausted") refusal = err;
        return `[ERROR] ${errorText(err)}`;
      }
    });
    if (refusal && answers.every((a) => a.startsWith("[ERROR]"))) throw refusal;
    return answers;
  };

  /**
   * `budget()`: the figures of this run's scope (for a child, its lease, bounded by every ancestor). Settlements still
   * in flight land first, so the figures count every call that has answered, exactly as the ledger will.
   */
  const budget = async (): Promise<Record<string, number | null>> => {
    await settled(meter);
    const left = await meter.budget.remaining();
    return {
      llm_calls: left.llmCalls,
      tokens: left.tokens,
      cost_usd: left.costUsd,
      seconds: left.msLeft === null ? null : left.msLeft / 1000,
    };
  };

  return async (call: CallbackCall): Promise<unknown> => {
    const [first, second] = call.args;
    const model = typeof call.kwargs.model === "string" ? call.kwargs.model : undefined;
    // Stable across a restart: the REPL names a callback the same when the host re-attaches to its exec.
    const exec = meter.exec;
    const callId = `${meter.runId}:${exec ? `${exec.turn}:${exec.block}` : "-"}:${call.id}`;
    switch (call.fn) {
      case "llm_query":
        return llmQuery(String(first), model ?? (typeof second === "string" ? second : undefined), callId);
      case "llm_query_batched":
        return llmQueryBatched(asList(first).map(String), model, callId);
      case "rlm_query":
        return rlmQuery(String(first), call.kwargs.context ?? second, callId);
      case "rlm_query_batched": {
        const prompts = asList(first);
        const contexts = asList(call.kwargs.contexts ?? second ?? []);
        return batch(
          prompts.map((prompt, i) => ({ prompt, context: contexts[i] })),
          settings.rlmConcurrency,
          (item, i) => rlmQuery(String(item.prompt), item.context, `${callId}:${i}`),
        );
      }
      case "budget":
        return budget();
      default:
        throw new HostCallFailure("host_error", `unknown host function '${call.fn}'`);
    }
  };
}

function asList(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new HostCallFailure("host_error", "expected a list of prompts");
  return value;
}

function stringify(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function errorText(err: unknown): string {
  if (err instanceof HostCallFailure) return err.message;
  if (isAppError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
