/**
 * Turns chat-completions responses — one JSON body, or a sequence of stream chunks — into one
 * {@link Assembled} reply. Pure, so the delta bookkeeping is tested without a server.
 */
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { LlmUsage } from "./pricing";
import type { LlmFinishReason, LlmToolCall } from "./types";

/** A reply as the provider sent it, before costing. `usage` is `null` when the provider sent none. */
export interface Assembled {
  content: string;
  toolCalls: LlmToolCall[];
  finishReason: LlmFinishReason | null;
  model: string | null;
  usage: LlmUsage | null;
  /** The model's refusal (OpenAI's `message.refusal`), sent instead of content; `null` when it answered. */
  refusal: string | null;
}

type WireUsage = ChatCompletion["usage"];

function toUsage(usage: WireUsage | null | undefined): LlmUsage | null {
  if (!usage) return null;
  return {
    promptTokens: usage.prompt_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** The first choice of a non-streamed completion. Custom (non-function) tool calls are dropped: none are offered. */
export function fromCompletion(body: ChatCompletion): Assembled {
  const choice = body.choices[0];
  const toolCalls: LlmToolCall[] = [];
  for (const call of choice?.message.tool_calls ?? []) {
    if (call.type === "function") {
      toolCalls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
    }
  }
  return {
    content: choice?.message.content ?? "",
    toolCalls,
    finishReason: choice?.finish_reason ?? null,
    model: body.model || null,
    usage: toUsage(body.usage),
    refusal: choice?.message.refusal || null,
  };
}

/** Accumulates stream chunks; {@link StreamAssembler.push} returns the chunk's text for `onDelta`. */
export class StreamAssembler {
  #content = "";
  // Keyed by the delta's `index`: a call opens with id and name, then its arguments arrive in pieces.
  #calls = new Map<number, LlmToolCall>();
  #finishReason: LlmFinishReason | null = null;
  #model: string | null = null;
  #usage: LlmUsage | null = null;
  #refusal = "";

  /** Adds one chunk; returns its text delta ("" when it carries none). */
  push(chunk: ChatCompletionChunk): string {
    if (chunk.model) this.#model ??= chunk.model;
    // With `include_usage` the usage arrives in a final chunk with empty `choices`; other chunks carry `null`.
    const usage = toUsage(chunk.usage);
    if (usage) this.#usage = usage;
    const choice = chunk.choices.find((c) => c.index === 0);
    if (!choice) return "";
    if (choice.finish_reason) this.#finishReason = choice.finish_reason;
    for (const delta of choice.delta.tool_calls ?? []) {
      const call = this.#calls.get(delta.index) ?? { id: "", name: "", arguments: "" };
      // Some compatible servers repeat id and name on every delta; the first value is the one that counts.
      if (delta.id && !call.id) call.id = delta.id;
      if (delta.function?.name && !call.name) call.name = delta.function.name;
      call.arguments += delta.function?.arguments ?? "";
      this.#calls.set(delta.index, call);
    }
    this.#refusal += choice.delta.refusal ?? "";
    const text = choice.delta.content ?? "";
    this.#content += text;
    return text;
  }

  /** True once a chunk carried a `finish_reason`: a stream that ends before that was cut off. */
  get finished(): boolean {
    return this.#finishReason !== null;
  }

  /** The reply so far. */
  result(): Assembled {
    const toolCalls = [...this.#calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    return {
      content: this.#content,
      toolCalls,
      finishReason: this.#finishReason,
      model: this.#model,
      usage: this.#usage,
      refusal: this.#refusal || null,
    };
  }
}
