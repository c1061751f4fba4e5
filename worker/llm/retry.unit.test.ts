/** The retry policy: what is retried, how long the gateway waits, and when it gives up. */
import { describe, expect, it } from "vitest";
import type { LlmFailure } from "./errors";
import { backoffDelayMs, DEFAULT_BACKOFF, decideRetry, isRetryable, parseRetryAfterMs, type RetryState } from "./retry";

const http = (status: number, retryAfterMs: number | null = null): LlmFailure => ({
  kind: "http",
  status,
  code: null,
  message: "x",
  retryAfterMs,
});

describe("isRetryable", () => {
  it("retries rate limits, server errors, connection failures and timeouts", () => {
    for (const status of [429, 500, 502, 503, 504]) expect(isRetryable(http(status))).toBe(true);
    expect(isRetryable({ kind: "connection", message: "reset" })).toBe(true);
    expect(isRetryable({ kind: "timeout" })).toBe(true);
  });

  it("never retries client errors or a failure reported inside a stream", () => {
    for (const status of [400, 401, 403, 404, 413, 422, 501]) expect(isRetryable(http(status))).toBe(false);
    expect(isRetryable({ kind: "stream", code: null, message: "x" })).toBe(false);
  });
});

describe("backoffDelayMs", () => {
  const policy = { baseMs: 100, maxMs: 1_000, maxRetryAfterMs: 30_000 };

  it("draws uniformly below a ceiling that doubles per retry up to maxMs", () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelayMs(20, policy, () => 0.999)).toBe(999);
  });
});

describe("parseRetryAfterMs", () => {
  const headers = (values: Record<string, string>) => new Headers(values);

  it("prefers retry-after-ms, then retry-after seconds", () => {
    expect(parseRetryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "1" }))).toBe(250);
    expect(parseRetryAfterMs(headers({ "retry-after": "2" }))).toBe(2_000);
    expect(parseRetryAfterMs(headers({ "retry-after": "0.5" }))).toBe(500);
  });

  it("reads an HTTP date relative to now", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }), now)).toBe(3_000);
    expect(parseRetryAfterMs(headers({ "retry-after": "Wed, 31 Dec 2025 00:00:00 GMT" }), now)).toBe(0);
  });

  it("ignores missing, negative and unparsable values", () => {
    expect(parseRetryAfterMs(undefined)).toBeNull();
    expect(parseRetryAfterMs(headers({}))).toBeNull();
    expect(parseRetryAfterMs(headers({ "retry-after-ms": "-5" }))).toBeNull();
    expect(parseRetryAfterMs(headers({ "retry-after": "soon" }))).toBeNull();
  });
});

describe("decideRetry", () => {
  const state = (over: Partial<RetryState> = {}): RetryState => ({
    attempt: 1,
    maxRetries: 4,
    remainingMs: 60_000,
    deliveredOutput: false,
    policy: DEFAULT_BACKOFF,
    random: () => 0.5,
    ...over,
  });

  it("retries with a jittered backoff", () => {
    expect(decideRetry(http(500), state({ attempt: 2 }))).toEqual({ action: "retry", delayMs: 500 });
  });

  it("waits exactly what retry-after asks", () => {
    expect(decideRetry(http(429, 1_000), state())).toEqual({ action: "retry", delayMs: 1_000 });
  });

  it("fails fast, keeping the wait, when retry-after is past the cap or the deadline", () => {
    expect(decideRetry(http(429, 60_000), state())).toEqual({
      action: "fail",
      reason: "retry_after_too_long",
      retryAfterMs: 60_000,
    });
    expect(decideRetry(http(429, 5_000), state({ remainingMs: 4_000 }))).toMatchObject({
      action: "fail",
      reason: "retry_after_too_long",
    });
  });

  it("gives up when attempts or time run out", () => {
    expect(decideRetry(http(503), state({ attempt: 5 }))).toMatchObject({ action: "fail", reason: "out_of_attempts" });
    expect(decideRetry(http(503), state({ remainingMs: 10 }))).toMatchObject({ action: "fail", reason: "out_of_time" });
  });

  it("never retries a client error or a stream that already delivered text", () => {
    expect(decideRetry(http(401), state())).toMatchObject({ action: "fail", reason: "not_retryable" });
    const dropped: LlmFailure = { kind: "connection", message: "lost" };
    expect(decideRetry(dropped, state({ deliveredOutput: true }))).toMatchObject({ reason: "not_retryable" });
  });
});
