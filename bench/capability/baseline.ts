/**
 * The plain long-context baseline: one chat completion with the whole task in the prompt, sent straight to the
 * endpoint (no Worker, no REPL), costed with the product's own price table.
 */
import { costUsd, DEFAULT_PRICES, findPrice } from "../../worker/llm/pricing";
import type { TaskUsage } from "./product";
import { approxTokens } from "./tokens";

/** An OpenAI-compatible endpoint and the model to ask. */
export interface ChatEndpoint {
  /** Ends in `/v1`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
}

/** How the baseline call went: answered, skipped because the prompt cannot fit, or failed. */
export type BaselineOutcome =
  | { status: "completed"; answer: string; usage: TaskUsage; wallMs: number }
  | { status: "skipped"; reason: string; promptTokens: number }
  | { status: "failed"; error: string; wallMs: number };

interface ChatCompletion {
  choices?: Array<{ message?: { content?: string | null } }>;
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number } | null;
  };
}

/**
 * Sends `prompt` as one user message, unless its approximate size (characters / 4) exceeds `maxTokens`, in which case
 * the model could not read it and the case is reported as skipped.
 */
export async function runBaseline(
  endpoint: ChatEndpoint,
  prompt: string,
  options: { maxTokens: number; timeoutMs: number },
): Promise<BaselineOutcome> {
  const promptTokens = approxTokens(prompt);
  if (promptTokens > options.maxTokens) {
    return { status: "skipped", reason: "exceeds window", promptTokens };
  }
  const started = performance.now();
  try {
    const res = await fetch(`${endpoint.baseUrl.replace(/\/$/, "")}/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: endpoint.model, messages: [{ role: "user", content: prompt }] }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const wallMs = performance.now() - started;
    if (!res.ok) return { status: "failed", error: `${res.status} ${(await res.text()).slice(0, 300)}`, wallMs };
    const body = (await res.json()) as ChatCompletion;
    const tokens = {
      promptTokens: body.usage?.prompt_tokens ?? promptTokens,
      completionTokens: body.usage?.completion_tokens ?? 0,
      cachedTokens: body.usage?.prompt_tokens_details?.cached_tokens ?? 0,
    };
    return {
      status: "completed",
      answer: body.choices?.[0]?.message?.content ?? "",
      usage: { llmCalls: 1, ...tokens, costUsd: costUsd(tokens, findPrice(DEFAULT_PRICES, endpoint.model)) },
      wallMs: performance.now() - started,
    };
  } catch (err) {
    return {
      status: "failed",
      error: err instanceof Error ? err.message : String(err),
      wallMs: performance.now() - started,
    };
  }
}
