/**
 * Classification of LLM call failures. A thrown SDK or network error becomes an {@link LlmFailure} (plain data, read
 * by the retry policy), and a final failure becomes an {@link AppError} with a stable code. Classification reads
 * fields — HTTP status, provider error code, error name — and message text only where OpenAI-compatible servers give
 * nothing else (context-length errors).
 */
import { APIConnectionTimeoutError } from "openai";
import { AppError } from "../errors/index";
import { type HeaderSource, parseRetryAfterMs } from "./retry";

/** Why one attempt failed. */
export type LlmFailure =
  /** The attempt ran past its time limit. */
  | { kind: "timeout" }
  /** No usable response: refused connection, reset, DNS, a stream cut off before it finished. */
  | { kind: "connection"; message: string }
  /**
   * An HTTP error response in OpenAI's `{error:{message, type, code}}` shape (or none), or a redirect (3xx, with its
   * `location`), which the gateway never follows.
   */
  | {
      kind: "http";
      status: number;
      code: string | null;
      message: string;
      retryAfterMs: number | null;
      location?: string | null;
    }
  /** An `error` event inside a 200 stream. */
  | { kind: "stream"; code: string | null; message: string };

/** Name of the error the gateway throws when a stream ends without a `finish_reason` (the connection dropped). */
export const INCOMPLETE_STREAM = "LlmIncompleteStream";

/** The error for a stream that ended before the provider said it was finished. */
export function incompleteStreamError(): Error {
  const error = new Error("The LLM stream ended before the completion finished");
  error.name = INCOMPLETE_STREAM;
  return error;
}

interface ErrorFields {
  name?: unknown;
  message?: unknown;
  status?: unknown;
  headers?: unknown;
  error?: unknown;
  code?: unknown;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** The provider's own message from the error body, without the SDK's `"<status> "` prefix. */
function providerMessage(fields: ErrorFields): string {
  const body = fields.error as { message?: unknown } | null | undefined;
  return text(body?.message) ?? text(fields.message) ?? "Unknown error";
}

/**
 * Classifies what one attempt threw. `timedOut` says the gateway's own attempt timer fired (the SDK then reports a
 * plain abort, indistinguishable from a network abort by its fields).
 */
export function classifyFailure(err: unknown, timedOut: boolean): LlmFailure {
  if (timedOut || err instanceof APIConnectionTimeoutError) return { kind: "timeout" };
  const fields: ErrorFields = typeof err === "object" && err !== null ? err : { message: String(err) };
  if (typeof fields.status === "number") {
    const headers = fields.headers as HeaderSource | undefined;
    return {
      kind: "http",
      status: fields.status,
      code: text(fields.code),
      message: providerMessage(fields),
      retryAfterMs: parseRetryAfterMs(headers),
      ...(isRedirect(fields.status) ? { location: headers?.get("location") ?? null } : {}),
    };
  }
  // The SDK throws an APIError without a status for an `error` event inside a stream; its body is in `error`.
  if (fields.name !== INCOMPLETE_STREAM && typeof fields.error === "object" && fields.error !== null) {
    return { kind: "stream", code: text(fields.code), message: providerMessage(fields) };
  }
  return { kind: "connection", message: text(fields.message) ?? "Connection error" };
}

/**
 * True for a provider's "prompt too long" error. OpenAI sends code `context_length_exceeded`; vLLM, llama.cpp and
 * other compatible servers send a 400 whose only signal is the wording, so the message is the fallback.
 */
export function isContextLengthError(failure: LlmFailure): boolean {
  if (failure.kind !== "http" || (failure.status !== 400 && failure.status !== 413)) return false;
  if (failure.code === "context_length_exceeded" || failure.code === "string_above_max_length") return true;
  return /maximum context length|context window|too many tokens|prompt is too long/i.test(failure.message);
}

// Key-shaped tokens (`sk-…`, `sk-proj-…`, partly starred as OpenAI echoes them) that must never reach a message.
const KEY_PATTERN = /\b(?:sk|pk|rk)-[A-Za-z0-9_*.-]{4,}/g;

/** `text` with the API key and anything shaped like a key replaced, for every message and log line. */
export function redact(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey && apiKey.length >= 4 ? text.split(apiKey).join("[redacted]") : text;
  return withoutKey.replace(KEY_PATTERN, "[redacted]");
}

/** True for a redirect status, which the gateway reports instead of following (see `./no-redirects.ts`). */
export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** Context for {@link toAppError}: how many attempts ran, the attempt limit, and the key to keep out of messages. */
export interface FailureContext {
  attempts: number;
  timeoutMs: number;
  apiKey?: string;
  /** A wait the provider asked for that the gateway would not hold the call for. */
  retryAfterMs?: number | null;
  /** The gateway's base URL, named when the endpoint itself is the problem (a redirect). */
  endpoint?: string;
}

function seconds(ms: number | null | undefined): number | undefined {
  return ms === null || ms === undefined ? undefined : Math.max(1, Math.ceil(ms / 1000));
}

/** The {@link AppError} for a call that failed for good. Public messages never contain the key or a stack. */
export function toAppError(failure: LlmFailure, ctx: FailureContext): AppError {
  const tries = ctx.attempts === 1 ? "1 attempt" : `${ctx.attempts} attempts`;
  const details = { attempts: ctx.attempts };
  if (failure.kind === "timeout") {
    const limit = Math.round(ctx.timeoutMs / 1000);
    return new AppError("timeout", `The LLM provider did not answer in time (${tries}, up to ${limit} s each)`, {
      details,
    });
  }
  if (failure.kind === "connection") {
    return new AppError("unavailable", `The LLM provider is unreachable (provider down; ${tries})`, {
      details,
      internal: redact(failure.message, ctx.apiKey),
    });
  }
  const message = redact(failure.message, ctx.apiKey);
  if (failure.kind === "stream") {
    return new AppError("upstream_error", `The LLM provider failed mid-answer: ${message}`, {
      details: { ...details, providerCode: failure.code },
    });
  }
  const http = { ...details, status: failure.status, providerCode: failure.code };
  if (isRedirect(failure.status)) {
    // Following it would send the prompt, context and key to an address the SSRF check never saw.
    return new AppError(
      "upstream_error",
      `The LLM endpoint ${ctx.endpoint ?? "(unknown)"} answered with a redirect (HTTP ${failure.status}); redirects are not followed: use the address it redirects to as the base URL`,
      { details: { ...http, location: failure.location ?? null } },
    );
  }
  const retryAfter = seconds(ctx.retryAfterMs ?? failure.retryAfterMs);
  if (failure.status === 401 || failure.status === 403) {
    // The provider's wording may echo part of the key, so it stays internal (and redacted).
    return new AppError(
      "llm_auth_failed",
      `The LLM provider rejected the credentials (HTTP ${failure.status}): check the API key of the LLM profile`,
      { details: http, internal: message },
    );
  }
  if (failure.status === 429) {
    const wait = retryAfter === undefined ? "" : `; retry after ${retryAfter} s`;
    return new AppError("rate_limited", `The LLM provider is rate limiting requests (${tries}${wait})`, {
      details: http,
      internal: message,
      retryAfter,
    });
  }
  if (isContextLengthError(failure)) {
    return new AppError("context_too_long", `The prompt is too long for the model: ${message}`, { details: http });
  }
  if (failure.status >= 500) {
    return new AppError(
      "unavailable",
      `The LLM provider is failing (provider down: HTTP ${failure.status}; ${tries})`,
      {
        details: http,
        internal: message,
        retryAfter,
      },
    );
  }
  return new AppError("upstream_error", `The LLM provider rejected the request (HTTP ${failure.status}): ${message}`, {
    details: http,
  });
}

/**
 * The model declined (OpenAI's `message.refusal` instead of content). The refusal is its message, as the model
 * wrote it, so the reader learns why; the endpoint and model are in the details.
 */
export function declinedError(refusal: string, endpoint: string, model: string): AppError {
  return new AppError("model_declined", refusal.trim().slice(0, 2_000), { details: { endpoint, model } });
}
