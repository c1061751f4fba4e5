import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { finalChunks, isOpenAiPath, toCompletionUsage, toOpenAiError } from "./wire";

describe("OpenAI wire shapes", () => {
  const usage = { llmCalls: 3, promptTokens: 100, completionTokens: 20, cachedTokens: 64, costUsd: 0.01 };

  it("maps the tree's usage to OpenAI's", () => {
    expect(toCompletionUsage(usage)).toEqual({
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 64 },
    });
  });

  it("streams the answer, the finish, and usage only when asked for", () => {
    const task = { id: "t1", runId: "r1", answer: "42", usage };
    const plain = finalChunks(task, "fleet-rlm", 1, "https://x", false) as Array<Record<string, unknown>>;
    expect(plain).toHaveLength(2);
    expect(plain[1]).toMatchObject({
      choices: [{ finish_reason: "stop" }],
      fleet_rlm: { trace_url: "https://x/v1/runs/r1/trace" },
    });
    const withUsage = finalChunks(task, "fleet-rlm", 1, "https://x", true) as Array<Record<string, unknown>>;
    expect(withUsage.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 120 } });
  });

  it("shapes errors as OpenAI does, naming the field without our prefix", () => {
    const error = new AppError("validation_failed", "Invalid json.messages.0.role", {
      details: { issues: [{ field: "json.messages.0.role", message: "bad" }] },
    });
    expect(toOpenAiError(error)).toEqual({
      error: {
        message: "Invalid json.messages.0.role",
        type: "invalid_request_error",
        param: "messages.0.role",
        code: "validation_failed",
      },
    });
    expect(toOpenAiError(new AppError("unauthenticated", "no")).error).toMatchObject({
      type: "authentication_error",
      param: null,
    });
    expect(toOpenAiError(new AppError("quota_exceeded", "over")).error.type).toBe("rate_limit_error");
    expect(isOpenAiPath("/v1/chat/completions") && isOpenAiPath("/v1/models") && !isOpenAiPath("/v1/tasks")).toBe(true);
  });
});
