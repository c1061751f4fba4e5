/**
 * The LLM gateway's public types. Messages and tools are OpenAI's own chat-completions types, so callers build them
 * with the SDK's documentation at hand and nothing is translated on the way out.
 */
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type { LlmUsage, PriceTable } from "./pricing";
import type { BackoffPolicy } from "./retry";

/** Which configured model serves a call: `planner` for the root loop and the ReAct agent, `delegate` for sub-calls. */
export type LlmRole = "planner" | "delegate";

/** A `fetch`-shaped function, injectable for tests and service bindings. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Settings of one gateway (one provider endpoint and key, e.g. one LLM profile). */
export interface LlmGatewayConfig {
  /** OpenAI-compatible API root, ending in `/v1` for most providers. */
  baseUrl: string;
  /**
   * Who this endpoint is to the reader, leading every error it causes (`LLM profile “work” (https://…/v1)`), so a
   * broken profile is named where its failure shows. Unset: the errors name no source.
   */
  source?: string;
  /** Sent as `Authorization: Bearer …`; omit for keyless local servers. Never read from the environment. */
  apiKey?: string;
  models: { planner: string; delegate: string };
  /** Merged over {@link DEFAULT_PRICES}: an entry here replaces the default for that name. */
  prices?: PriceTable;
  /** Limit of one attempt, streaming included. Default 120 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** Limit of a whole call, retries and waits included. Default 300 s. */
  deadlineMs?: number;
  /** Overrides of {@link DEFAULT_BACKOFF}. */
  backoff?: Partial<BackoffPolicy>;
  fetch?: FetchLike;
  /** Source of jitter; `Math.random` by default. */
  random?: () => number;
}

/** One chat completion request. */
export interface LlmRequest {
  role: LlmRole;
  messages: ChatCompletionMessageParam[];
  /** Overrides the role's configured model. */
  model?: string;
  tools?: ChatCompletionFunctionTool[];
  toolChoice?: ChatCompletionToolChoiceOption;
  maxTokens?: number;
  temperature?: number;
  /** Aborting cancels the HTTP request at once; the call then rejects with an error named `"AbortError"`. */
  signal?: AbortSignal;
  /** Streams the answer: called with each piece of text as it arrives. Tool-call arguments are not passed here. */
  onDelta?: (text: string) => void;
}

/** A function call the model asked for; `arguments` is the raw JSON text the model wrote. */
export interface LlmToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Why the model stopped, as OpenAI reports it. */
export type LlmFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/** The outcome of a successful call. */
export interface LlmCompletion {
  content: string;
  toolCalls: LlmToolCall[];
  finishReason: LlmFinishReason;
  /** The model that answered, as the provider names it (may be a dated snapshot of the requested one). */
  model: string;
  usage: LlmUsage;
  /** True when the provider sent no `usage` and the counts are estimates (four characters per token). */
  usageEstimated: boolean;
  costUsd: number;
  /** Wall time of the whole call, retries and waits included. */
  latencyMs: number;
  /** HTTP attempts made, 1 when the first one succeeded. */
  attempts: number;
}

/** The gateway the RLM engine and the agent call. */
export interface LlmGateway {
  /**
   * One chat completion with retries. Rejects with an {@link AppError} (`llm_auth_failed`, `rate_limited`,
   * `context_too_long`, `upstream_error`, `unavailable`, `timeout`) or, when `signal` aborts, an `"AbortError"`.
   */
  complete(request: LlmRequest): Promise<LlmCompletion>;
  /** A conservative cost (no cache discount) for a call of this size, to reserve budget before making it. */
  estimateCostUsd(role: LlmRole, promptTokens: number, completionTokens: number): number;
  /** The model a role uses unless a request overrides it. */
  modelFor(role: LlmRole): string;
  /** The API root calls go to ({@link LlmGatewayConfig.baseUrl}), for traces; set by `appGateway`. */
  readonly baseUrl?: string;
}
