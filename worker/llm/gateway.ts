/**
 * The LLM gateway's I/O: one OpenAI SDK client per gateway, with the SDK's own retries off so the policy in
 * `./retry.ts` (full jitter, `retry-after`, a whole-call deadline, no retry once text was streamed) is the only one.
 * Streamed calls go through the SDK; non-streamed ones (sub-calls) reuse the request it builds (`./plain-completion.ts`).
 */
import { OpenAI } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { AppError } from "../errors/index";
import { abortError, sleep } from "./abort";
import { type Assembled, fromCompletion, StreamAssembler } from "./assemble";
import { AttemptClock } from "./attempt-clock";
import { classifyFailure, declinedError, incompleteStreamError, toAppError } from "./errors";
import { withoutRedirects } from "./no-redirects";
import { plainCompletion } from "./plain-completion";
import { costUsd, DEFAULT_PRICES, estimateTokens, findPrice, type LlmUsage } from "./pricing";
import { DEFAULT_BACKOFF, decideRetry } from "./retry";
import type { LlmCompletion, LlmGateway, LlmGatewayConfig, LlmRequest } from "./types";

/** Per attempt: long enough for a long answer from a slow reasoning model, short enough to notice a hung socket. */
const DEFAULT_TIMEOUT_MS = 120_000;
/** Five attempts in all: with the default backoff, about 15 s of waiting before a blip counts as an outage. */
const DEFAULT_MAX_RETRIES = 4;
/** A whole call, waits included: bounds a run's wall time when a provider keeps timing out. */
const DEFAULT_DEADLINE_MS = 300_000;

type Params = Omit<ChatCompletionCreateParamsNonStreaming, "stream">;

/**
 * Headers the SDK adds to every request that describe our runtime to the provider (OS, architecture, versions, retry
 * count). They serve the provider's analytics, not the request, and tenants point profiles at endpoints of their own
 * choosing, so they are not sent (`null` removes a header).
 */
const UNSENT_SDK_HEADERS = Object.fromEntries(
  ["lang", "package-version", "os", "arch", "runtime", "runtime-version", "retry-count", "timeout"].map((name) => [
    `x-stainless-${name}`,
    null,
  ]),
);

/** The base URL as named in errors: scheme, host and path, without a query that might carry a token. */
function endpointName(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.origin}${url.pathname.replace(/\/$/, "")}`;
}

/** What one attempt did before it failed, for the retry decision. */
interface Progress {
  /** Text already handed to `onDelta`: retrying would deliver it twice. */
  delivered: boolean;
  /** An exception from the caller's `onDelta`, passed through untouched rather than classified. */
  callbackError: { error: unknown } | null;
}

function buildParams(request: LlmRequest, model: string): Params {
  return {
    model,
    messages: request.messages,
    ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
    ...(request.toolChoice !== undefined ? { tool_choice: request.toolChoice } : {}),
    // `max_tokens` is deprecated and rejected by OpenAI's reasoning models; compatible servers accept the new name.
    ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  };
}

/** Counts for a reply whose provider sent no `usage`, so the budget never sees a free call. */
function estimateUsage(params: Params, reply: Assembled): LlmUsage {
  const prompt = JSON.stringify(params.messages) + (params.tools ? JSON.stringify(params.tools) : "");
  const completion = reply.content + reply.toolCalls.map((c) => c.name + c.arguments).join("");
  return { promptTokens: estimateTokens(prompt), completionTokens: estimateTokens(completion), cachedTokens: 0 };
}

/**
 * Creates a gateway for one provider endpoint. Nothing is read from the environment: the SDK's `OPENAI_*`
 * fallbacks would otherwise hand the platform's key to a tenant profile that has none.
 * @example
 * const llm = createLlmGateway({ baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY,
 *   models: { planner: "gpt-5", delegate: "gpt-5-mini" } });
 * const reply = await llm.complete({ role: "planner", messages: [{ role: "user", content: "Hi" }] });
 */
export function createLlmGateway(config: LlmGatewayConfig): LlmGateway {
  if (!URL.canParse(config.baseUrl)) throw new AppError("bad_request", "The LLM base URL is not a valid URL");
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = config.maxRetries ?? DEFAULT_MAX_RETRIES;
  const deadlineMs = config.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const policy = { ...DEFAULT_BACKOFF, ...config.backoff };
  const prices = { ...DEFAULT_PRICES, ...config.prices };
  const fetchImpl = withoutRedirects(config.fetch ?? ((input, init) => fetch(input, init)));
  const client = new OpenAI({
    baseURL: config.baseUrl,
    // The SDK refuses to start without a key; a keyless server gets a placeholder and no Authorization header.
    apiKey: config.apiKey || "keyless",
    defaultHeaders: config.apiKey ? UNSENT_SDK_HEADERS : { ...UNSENT_SDK_HEADERS, authorization: null },
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: timeoutMs,
    logLevel: "off",
    fetch: fetchImpl,
  });
  const sendPlain = plainCompletion(client, fetchImpl);
  const clock = new AttemptClock();

  async function attemptOnce(
    params: Params,
    signal: AbortSignal,
    onDelta: ((text: string) => void) | undefined,
    progress: Progress,
  ): Promise<Assembled> {
    if (!onDelta) return fromCompletion(await sendPlain({ ...params, stream: false }, signal));
    const stream = await client.chat.completions.create(
      { ...params, stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    const assembler = new StreamAssembler();
    // On abort the SDK ends this loop quietly; the caller's catch tells abort and timeout apart by the signals.
    for await (const chunk of stream) {
      const text = assembler.push(chunk);
      if (text === "") continue;
      progress.delivered = true;
      try {
        onDelta(text);
      } catch (error) {
        progress.callbackError = { error };
        throw error;
      }
    }
    if (!assembler.finished) throw incompleteStreamError();
    return assembler.result();
  }

  function toCompletion(params: Params, reply: Assembled, started: number, attempts: number): LlmCompletion {
    const model = reply.model ?? params.model;
    const usage = reply.usage ?? estimateUsage(params, reply);
    const price = findPrice(prices, model) ?? findPrice(prices, params.model);
    return {
      content: reply.content,
      toolCalls: reply.toolCalls,
      finishReason: reply.finishReason ?? "stop",
      model,
      usage,
      usageEstimated: reply.usage === null,
      costUsd: costUsd(usage, price),
      latencyMs: Date.now() - started,
      attempts,
    };
  }

  /** The error led by the gateway's {@link LlmGatewayConfig.source}, which its details also carry. */
  function named(err: AppError): AppError {
    if (!config.source) return err;
    const details = { ...(err.details as Record<string, unknown> | undefined), source: config.source };
    return new AppError(err.code, `${config.source}: ${err.message}`, {
      details,
      retryAfter: err.retryAfter,
      internal: err.internal,
      cause: err,
    });
  }

  async function complete(request: LlmRequest): Promise<LlmCompletion> {
    const started = Date.now();
    const params = buildParams(request, request.model ?? config.models[request.role]);
    const remaining = () => deadlineMs - (Date.now() - started);
    for (let attempt = 1; ; attempt += 1) {
      const attemptCtl = clock.attempt(request.signal, Math.max(1, Math.min(timeoutMs, remaining())));
      const progress: Progress = { delivered: false, callbackError: null };
      let refusal: string | null = null;
      try {
        const reply = await attemptOnce(params, attemptCtl.signal, request.onDelta, progress);
        refusal = reply.content || reply.toolCalls.length > 0 ? null : reply.refusal;
        if (refusal === null) return toCompletion(params, reply, started, attempt);
      } catch (err) {
        if (request.signal?.aborted) throw abortError(request.signal.reason);
        if (progress.callbackError) throw progress.callbackError.error;
        const failure = classifyFailure(err, attemptCtl.timedOut());
        const decision = decideRetry(failure, {
          attempt,
          maxRetries,
          remainingMs: remaining(),
          deliveredOutput: progress.delivered,
          policy,
          random: config.random,
        });
        if (decision.action === "fail") {
          throw named(
            toAppError(failure, {
              attempts: attempt,
              timeoutMs,
              apiKey: config.apiKey,
              retryAfterMs: decision.retryAfterMs,
              endpoint: endpointName(config.baseUrl),
            }),
          );
        }
        await sleep(decision.delayMs, request.signal);
      } finally {
        attemptCtl.dispose();
      }
      // A refusal is the model's decision, not a fault: asking again would only repeat it.
      if (refusal !== null) throw named(declinedError(refusal, endpointName(config.baseUrl), params.model));
    }
  }

  return {
    complete,
    modelFor: (role) => config.models[role],
    estimateCostUsd(role, promptTokens, completionTokens) {
      const price = findPrice(prices, config.models[role]);
      return costUsd({ promptTokens, completionTokens, cachedTokens: 0 }, price);
    },
  };
}
