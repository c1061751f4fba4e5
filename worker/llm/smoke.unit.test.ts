import { expect, it } from "vitest";
import { AppError } from "../errors/index";
import { configurationFailure, llmGuidance, llmSmoke } from "./smoke";
import type { LlmGateway } from "./types";

function gateway(complete: LlmGateway["complete"]): LlmGateway {
  return { complete, modelFor: () => "configured", estimateCostUsd: () => 0 };
}

it("reports a successful call with the model asked for and the one that answered", async () => {
  const report = await llmSmoke(
    gateway(async () => ({
      content: "pong",
      toolCalls: [],
      finishReason: "stop",
      model: "configured-2025",
      usage: { promptTokens: 5, completionTokens: 1, cachedTokens: 0 },
      usageEstimated: false,
      costUsd: 0,
      latencyMs: 12,
      attempts: 1,
    })),
    undefined,
  );
  expect(report).toMatchObject({ ok: true, model: "configured", responseModel: "configured-2025", latencyMs: 12 });
});

it("keeps the failure's code, status and provider code, with guidance by field", async () => {
  const notFound = new AppError("upstream_error", "The LLM provider rejected the request (HTTP 404): no such model", {
    details: { attempts: 1, status: 404, providerCode: "model_not_found" },
  });
  const report = await llmSmoke(
    gateway(async () => {
      throw notFound;
    }),
    "nope",
  );
  expect(report).toMatchObject({
    ok: false,
    failedAt: "call",
    model: "nope",
    error: { code: "upstream_error", status: 404, providerCode: "model_not_found" },
  });
  expect(report.guidance).toMatch(/model name/);
  expect(llmGuidance({ code: "llm_auth_failed", message: "" })).toMatch(/OPENAI_API_KEY/);
  expect(llmGuidance({ code: "timeout", message: "" })).toMatch(/reachable/);
  expect(llmGuidance({ code: "unavailable", message: "" })).toMatch(/OPENAI_BASE_URL/);
  expect(llmGuidance({ code: "unavailable", message: "", status: 502 })).toMatch(/HTTP 502/);
  expect(configurationFailure(new AppError("validation_failed", "Name a model"))).toMatchObject({
    ok: false,
    failedAt: "configure",
    guidance: expect.stringMatching(/OPENAI_MODEL/),
  });
});
