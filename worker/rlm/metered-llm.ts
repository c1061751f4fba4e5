/**
 * Every LLM call of a run goes through here: reserve budget, call, settle with the actual usage (or release when the
 * call never happened), count usage, record the step. A refusal is data, not an exception.
 */
import { isAppError } from "../errors";
import type { BudgetPort, ChatMessage, ExecPosition, LlmPort, LlmReply, RunRecorder, RunUsage } from "./ports";

/** Completion tokens reserved ahead of a call whose length is unknown. */
const EXPECTED_COMPLETION_TOKENS = 2_000;

export type MeteredReply = { status: "ok"; reply: LlmReply } | { status: "refused"; reason: string; message: string };

export interface Meter {
  llm: LlmPort;
  budget: BudgetPort;
  recorder: RunRecorder;
  runId: string;
  usage: RunUsage;
  /** Settlements in flight; see {@link settleLater}. */
  settling: Set<Promise<void>>;
  /** The code block now executing, whose host calls these are; null between blocks. */
  exec?: ExecPosition | null;
}

/**
 * What a failed LLM call's step and span record: a stable code (the gateway's error code, `cancelled` for an abort,
 * else the error's class) and its message. Gateway messages are public by design and carry no prompt text.
 */
export function llmFailure(err: unknown): { code: string; message: string } {
  if (isAppError(err)) return { code: err.code, message: err.message };
  if (err instanceof Error && err.name === "AbortError")
    return { code: "cancelled", message: "The call was cancelled" };
  if (err instanceof Error) return { code: err.name || "Error", message: err.message };
  return { code: "internal", message: String(err) };
}

/**
 * Settles a reservation without making the caller wait for the budget's answer: nothing the caller does next depends
 * on it, and calls on one budget stub arrive in order, so the settlement still lands before the next reservation.
 * The run awaits {@link settled} before it reports its outcome, so totals are exact when anyone looks.
 */
export function settleLater(meter: Meter, id: string, actual: { tokens: number; costUsd: number }): void {
  const work = meter.budget.settle(id, actual).catch((err: unknown) => {
    console.error(
      JSON.stringify({ level: "error", msg: "budget settle failed", runId: meter.runId, err: String(err) }),
    );
  });
  meter.settling.add(work);
  void work.finally(() => meter.settling.delete(work));
}

/** Resolves once every settlement started so far has been applied. */
export async function settled(meter: Meter): Promise<void> {
  await Promise.all([...meter.settling]);
}

/** A rough token count for reservations: four characters per token, as providers' rules of thumb say. */
export function estimateTokens(messages: ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) chars += message.content.length + 8;
  return Math.ceil(chars / 4);
}

export function emptyUsage(): RunUsage {
  return { llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
}

export function addUsage(into: RunUsage, more: RunUsage): void {
  into.llmCalls += more.llmCalls;
  into.promptTokens += more.promptTokens;
  into.completionTokens += more.completionTokens;
  into.cachedTokens += more.cachedTokens;
  into.costUsd += more.costUsd;
}

/** The reservation one call of this size needs. */
export function callEstimate(meter: Meter, role: "planner" | "delegate", messages: ChatMessage[]) {
  const promptTokens = estimateTokens(messages);
  return {
    llmCalls: 1,
    tokens: promptTokens + EXPECTED_COMPLETION_TOKENS,
    costUsd: meter.llm.estimateCostUsd(role, promptTokens, EXPECTED_COMPLETION_TOKENS),
  };
}

/**
 * Makes a call whose budget the caller already reserved; counts its usage and records the step. A failed call is
 * recorded too (with its error and how long it took), then rethrown.
 */
export async function recordedComplete(
  meter: Meter,
  role: "planner" | "delegate",
  messages: ChatMessage[],
  options: {
    signal?: AbortSignal;
    model?: string;
    purpose: string;
    /** The `llm_query_batched` call this one belongs to, and its place in it, so a trace can group a batch. */
    batch?: { id: string; index: number; size: number };
    /** The call's stable id (see `BudgetPort.reserve`), so its span keeps one id across a resumed run. */
    callId?: string;
  },
): Promise<LlmReply> {
  const data = {
    role,
    purpose: options.purpose,
    ...(options.callId ? { callId: options.callId } : {}),
    requestModel: options.model ?? meter.llm.modelFor?.(role),
    ...(meter.exec ? { exec: { ...meter.exec } } : {}),
    ...(options.batch
      ? { batchId: options.batch.id, batchIndex: options.batch.index, batchSize: options.batch.size }
      : {}),
  };
  const started = Date.now();
  let reply: LlmReply;
  try {
    reply = await meter.llm.complete({ role, messages, model: options.model, signal: options.signal });
  } catch (err) {
    meter.recorder.step(meter.runId, {
      kind: "llm_call",
      data: { ...data, error: llmFailure(err) },
      latencyMs: Date.now() - started,
      endpoint: meter.llm.baseUrl,
      io: { messages },
    });
    throw err;
  }
  const { usage } = reply;
  addUsage(meter.usage, { llmCalls: 1, ...usage, costUsd: reply.costUsd });
  meter.recorder.step(meter.runId, {
    kind: "llm_call",
    data: { ...data, model: reply.model, cachedTokens: usage.cachedTokens, finishReason: reply.finishReason },
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    costUsd: reply.costUsd,
    latencyMs: reply.latencyMs,
    endpoint: meter.llm.baseUrl,
    io: { messages, reply: { content: reply.content } },
  });
  return reply;
}

/** One budgeted, recorded LLM call. Provider errors propagate (the reservation is released first). */
export async function meteredComplete(
  meter: Meter,
  role: "planner" | "delegate",
  messages: ChatMessage[],
  options: { signal?: AbortSignal; model?: string; purpose: string; callId?: string },
): Promise<MeteredReply> {
  const reservation = await meter.budget.reserve({ ...callEstimate(meter, role, messages), callId: options.callId });
  if (reservation.status === "refused") return reservation;
  let reply: LlmReply;
  try {
    reply = await recordedComplete(meter, role, messages, options);
  } catch (err) {
    await meter.budget.release(reservation.id);
    throw err;
  }
  settleLater(meter, reservation.id, {
    tokens: reply.usage.promptTokens + reply.usage.completionTokens,
    costUsd: reply.costUsd,
  });
  return { status: "ok", reply };
}
