/** Failure classification and the AppError each final failure becomes. */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import { isAppError } from "../errors/index";
import { classifyFailure, incompleteStreamError, isContextLengthError, type LlmFailure, toAppError } from "./errors";

const KEY = "sk-test-0123456789abcdef";

function sdkError(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) {
  return APIError.generate(status, { error }, undefined, new Headers(headers));
}

describe("classifyFailure", () => {
  it("reads status, provider code, message and retry-after from an SDK HTTP error", () => {
    const err = sdkError(429, { message: "Slow down", code: "rate_limit_exceeded" }, { "retry-after": "3" });
    expect(classifyFailure(err, false)).toEqual({
      kind: "http",
      status: 429,
      code: "rate_limit_exceeded",
      message: "Slow down",
      retryAfterMs: 3_000,
    });
  });

  it("calls the gateway's own timer a timeout, whatever the SDK threw", () => {
    expect(classifyFailure(new APIUserAbortError(), true)).toEqual({ kind: "timeout" });
    expect(classifyFailure(new APIConnectionTimeoutError(), false)).toEqual({ kind: "timeout" });
  });

  it("treats network failures and cut-off streams as connection failures", () => {
    const refused = new APIConnectionError({ message: "Connection error.", cause: new TypeError("refused") });
    expect(classifyFailure(refused, false)).toMatchObject({ kind: "connection" });
    expect(classifyFailure(new TypeError("Network connection lost."), false)).toMatchObject({ kind: "connection" });
    expect(classifyFailure(incompleteStreamError(), false)).toMatchObject({ kind: "connection" });
  });

  it("recognises an error event inside a stream", () => {
    const err = new APIError(undefined, { message: "overloaded", code: "server_error" }, undefined, new Headers());
    expect(classifyFailure(err, false)).toEqual({ kind: "stream", code: "server_error", message: "overloaded" });
  });
});

describe("isContextLengthError", () => {
  const http = (code: string | null, message: string): LlmFailure => ({
    kind: "http",
    status: 400,
    code,
    message,
    retryAfterMs: null,
  });

  it("uses OpenAI's code, and the wording of compatible servers that send none", () => {
    expect(isContextLengthError(http("context_length_exceeded", "too long"))).toBe(true);
    expect(isContextLengthError(http(null, "This model's maximum context length is 8192 tokens."))).toBe(true);
    expect(isContextLengthError(http(null, "Invalid 'messages'."))).toBe(false);
  });
});

describe("toAppError", () => {
  const ctx = { attempts: 1, timeoutMs: 120_000, apiKey: KEY };
  const http = (status: number, over: Partial<Extract<LlmFailure, { kind: "http" }>> = {}): LlmFailure => ({
    kind: "http",
    status,
    code: null,
    message: `provider says ${status}`,
    retryAfterMs: null,
    ...over,
  });

  it("maps each failure to its stable code", () => {
    expect(toAppError(http(401), ctx).code).toBe("llm_auth_failed");
    expect(toAppError(http(403), ctx).code).toBe("llm_auth_failed");
    expect(toAppError(http(429), ctx).code).toBe("rate_limited");
    expect(toAppError(http(400, { code: "context_length_exceeded" }), ctx).code).toBe("context_too_long");
    expect(toAppError(http(404), ctx).code).toBe("upstream_error");
    expect(toAppError(http(503), { ...ctx, attempts: 5 }).code).toBe("unavailable");
    expect(toAppError({ kind: "connection", message: "refused" }, ctx).code).toBe("unavailable");
    expect(toAppError({ kind: "timeout" }, ctx).code).toBe("timeout");
    expect(isAppError(toAppError({ kind: "timeout" }, ctx))).toBe(true);
  });

  it("tells the user to check the key on auth failures, without echoing the provider", () => {
    const err = toAppError(http(401, { message: `Incorrect API key provided: ${KEY}` }), ctx);
    expect(err.message).toMatch(/check the API key/);
    expect(err.message).not.toContain("sk-");
    expect(err.internal).not.toContain(KEY);
  });

  it("keeps the provider's message for other client errors, with keys redacted", () => {
    const err = toAppError(http(400, { message: `bad field (key ${KEY}, other sk-proj-abc***xyz)` }), ctx);
    expect(err.code).toBe("upstream_error");
    expect(err.message).toContain("bad field");
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain("sk-proj");
  });

  it("carries the provider's wait as retryAfter seconds, rounded up", () => {
    expect(toAppError(http(429, { retryAfterMs: 1_500 }), ctx).retryAfter).toBe(2);
    expect(toAppError(http(429), { ...ctx, retryAfterMs: 45_000 }).retryAfter).toBe(45);
    expect(toAppError(http(429), ctx).retryAfter).toBeUndefined();
  });

  it("states the attempts in details", () => {
    expect(toAppError({ kind: "connection", message: "x" }, { ...ctx, attempts: 3 }).details).toEqual({ attempts: 3 });
  });
});
