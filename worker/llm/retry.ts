/**
 * The retry policy of the LLM gateway as pure functions: which failures are worth another attempt, how long to wait
 * (exponential backoff with full jitter, or the provider's `retry-after`), and when to give up.
 */
import type { LlmFailure } from "./errors";

/** Waits between attempts, in milliseconds. */
export interface BackoffPolicy {
  /** The first retry waits up to this long; each further retry doubles the ceiling. */
  baseMs: number;
  /** Ceiling of a computed (jittered) wait. */
  maxMs: number;
  /** Longest `retry-after` the gateway waits out; a longer one fails the call at once with the wait attached. */
  maxRetryAfterMs: number;
}

/**
 * 0.5 s doubling to 8 s: four retries spread over ≤ 15 s on average, enough to ride out a provider blip without
 * holding a run for minutes. A `retry-after` up to 30 s is honoured because providers' per-minute rate windows
 * usually reopen within that; longer waits are better rescheduled by the caller than held in a Worker.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 8_000, maxRetryAfterMs: 30_000 };

/** Statuses that signal a transient condition: rate limits and server or gateway failures. 4xx otherwise is final. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** True when another attempt may succeed: transient statuses, connection failures and attempt timeouts. */
export function isRetryable(failure: LlmFailure): boolean {
  switch (failure.kind) {
    case "timeout":
    case "connection":
      return true;
    case "http":
      return RETRYABLE_STATUSES.has(failure.status);
    case "stream":
      return false;
  }
}

/**
 * Full-jitter backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform wait in
 * `[0, min(maxMs, baseMs·2^(retry-1)))`, which spreads out clients that failed together better than fixed steps.
 * `retry` counts from 1.
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Anything with a `get(name)` like `Headers`. */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The wait a response asks for, in ms, or `null`: OpenAI's `retry-after-ms` first (finer grained), then the
 * standard `retry-after` as delta-seconds or an HTTP date (RFC 9110 §10.2.3). Negative or unparsable values are
 * ignored.
 */
export function parseRetryAfterMs(headers: HeaderSource | undefined, now: number = Date.now()): number | null {
  if (!headers || typeof headers.get !== "function") return null;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get("retry-after")?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** What to do after a failed attempt. */
export type RetryDecision =
  | { action: "retry"; delayMs: number }
  | {
      action: "fail";
      reason: "not_retryable" | "out_of_attempts" | "out_of_time" | "retry_after_too_long";
      /** The provider's requested wait, when that is why the call gives up. */
      retryAfterMs: number | null;
    };

/** The state of a call when an attempt has failed. */
export interface RetryState {
  /** Attempts made so far, counting the one that just failed. */
  attempt: number;
  maxRetries: number;
  /** Time left before the call's deadline. */
  remainingMs: number;
  /** True when a stream already handed text to the caller: a retry would repeat it. */
  deliveredOutput: boolean;
  policy: BackoffPolicy;
  random?: () => number;
}

/** Decides between another attempt (and the wait before it) and giving up. */
export function decideRetry(failure: LlmFailure, state: RetryState): RetryDecision {
  const retryAfterMs = failure.kind === "http" ? failure.retryAfterMs : null;
  if (!isRetryable(failure) || state.deliveredOutput) return { action: "fail", reason: "not_retryable", retryAfterMs };
  if (state.attempt > state.maxRetries) return { action: "fail", reason: "out_of_attempts", retryAfterMs };
  if (retryAfterMs !== null) {
    // The provider said when to come back; waiting less only burns an attempt on the same refusal.
    if (retryAfterMs > state.policy.maxRetryAfterMs || retryAfterMs >= state.remainingMs) {
      return { action: "fail", reason: "retry_after_too_long", retryAfterMs };
    }
    return { action: "retry", delayMs: retryAfterMs };
  }
  const delayMs = backoffDelayMs(state.attempt, state.policy, state.random);
  if (delayMs >= state.remainingMs) return { action: "fail", reason: "out_of_time", retryAfterMs };
  return { action: "retry", delayMs };
}
