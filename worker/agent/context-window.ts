/**
 * Keeps a conversation inside the model's context window. Oldest first, the agent gives up: the bodies of old tool
 * observations (replaced by a note saying how long they were), then whole earlier turns. The system prompt (with core
 * memory), the current user message and the latest observations always stay, and tool results stay paired with the
 * calls that asked for them, as OpenAI requires.
 */
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";

/** Observations of the current turn kept whole however tight the window: the agent is usually reasoning on them. */
const KEEP_RECENT_OBSERVATIONS = 2;

/** A rough token count: four characters per token, the same estimate the gateway uses when a provider sends none. */
export function estimateMessageTokens(messages: readonly ChatCompletionMessageParam[]): number {
  let chars = 0;
  for (const m of messages) {
    chars += 8 + (typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length);
    if (m.role === "assistant" && m.tool_calls) chars += JSON.stringify(m.tool_calls).length;
  }
  return Math.ceil(chars / 4);
}

export interface FitResult {
  messages: ChatCompletionMessageParam[];
  trimmedObservations: number;
  droppedHistoryMessages: number;
  fits: boolean;
}

/**
 * Shrinks `messages` to `maxTokens` where it can. `currentTurnStart` is the index of the current user message:
 * everything before it (after the system message) is history that may be dropped.
 */
export function fitContext(
  messages: readonly ChatCompletionMessageParam[],
  currentTurnStart: number,
  maxTokens: number,
): FitResult {
  const out = [...messages];
  let turnStart = currentTurnStart;
  let trimmedObservations = 0;
  let droppedHistoryMessages = 0;
  const fits = () => estimateMessageTokens(out) <= maxTokens;

  const toolIndexes = out.flatMap((m, i) => (m.role === "tool" ? [i] : []));
  const trimmable = toolIndexes.slice(0, Math.max(0, toolIndexes.length - KEEP_RECENT_OBSERVATIONS));
  for (const i of trimmable) {
    if (fits()) break;
    const m = out[i];
    if (m?.role !== "tool" || typeof m.content !== "string") continue;
    out[i] = {
      ...m,
      content: `[observation trimmed to fit the context window: it had ${m.content.length} characters]`,
    };
    trimmedObservations += 1;
  }
  // Earlier turns go whole, oldest first; index 0 is the system prompt.
  // A dropped question takes its answer with it, so history always starts at a user message.
  while (turnStart > 1 && (!fits() || out[1]?.role !== "user")) {
    out.splice(1, 1);
    turnStart -= 1;
    droppedHistoryMessages += 1;
  }
  return { messages: out, trimmedObservations, droppedHistoryMessages, fits: fits() };
}
