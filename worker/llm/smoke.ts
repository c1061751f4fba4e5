/**
 * A real call to an LLM endpoint for diagnostics: one short completion, timed, and on failure the error's code with
 * what to check. Uses the gateway as is, so it exercises exactly what runs use.
 */
import type { LlmDiagnostics } from "../contracts/diagnostics";
import { isAppError } from "../errors/index";
import { isRedirect } from "./errors";
import type { LlmGateway } from "./types";

/** Characters of the model's answer echoed back: enough to see it is sane. */
const REPLY_EXCERPT_CHARS = 200;
/** Small enough to cost nothing, large enough that reasoning models still produce a visible answer. */
const SMOKE_MAX_TOKENS = 64;

interface ErrorReport {
  code: string;
  message: string;
  status?: number;
  providerCode?: string | null;
}

/** What to check for a failure, by error code and provider status; classification by fields, never by message. */
export function llmGuidance(error: ErrorReport): string {
  switch (error.code) {
    case "llm_auth_failed":
      return "The provider rejected the credentials: check OPENAI_API_KEY (or the LLM profile's key) and its access to this model.";
    case "timeout":
      return "No answer in time: check that OPENAI_BASE_URL is reachable from the Worker and the provider is up; a slow local model may need a larger timeoutMs.";
    case "rate_limited":
      return "The provider is rate limiting this key: wait and retry, or raise the key's limits.";
    case "context_too_long":
      return "The provider refused even a tiny prompt as too long: check the model's context configuration.";
    case "unavailable":
      return error.status === undefined
        ? "The endpoint could not be reached: check OPENAI_BASE_URL (scheme, host, port, the /v1 path) and that it is reachable from the Worker."
        : `The provider is failing (HTTP ${error.status}): retry later or check the provider's status.`;
    case "upstream_error":
      if (error.status !== undefined && isRedirect(error.status)) {
        return "OPENAI_BASE_URL redirects elsewhere and redirects are not followed: set it to the address it redirects to.";
      }
      if (error.status === 404) {
        return "The provider does not know this model or path: check the model name (OPENAI_MODEL or `model`) and that OPENAI_BASE_URL ends where the provider's /chat/completions lives (usually /v1).";
      }
      return "The provider rejected the request: see the error message.";
    default:
      return "See the error message.";
  }
}

function errorReport(err: unknown): ErrorReport {
  if (!isAppError(err)) return { code: "internal", message: "The call failed unexpectedly" };
  const details = (err.details ?? {}) as { status?: unknown; providerCode?: unknown };
  return {
    code: err.code,
    message: err.message,
    ...(typeof details.status === "number" ? { status: details.status } : {}),
    ...(typeof details.providerCode === "string" || details.providerCode === null
      ? { providerCode: details.providerCode as string | null }
      : {}),
  };
}

/** A failure before any request, e.g. no endpoint or no model configured. */
export function configurationFailure(err: unknown): LlmDiagnostics {
  const error = errorReport(err);
  return {
    ok: false,
    failedAt: "configure",
    model: null,
    error,
    guidance:
      error.code === "validation_failed"
        ? "No model is configured: set OPENAI_MODEL on the server or name one in `model`."
        : "No LLM endpoint is configured: set OPENAI_API_KEY and/or OPENAI_BASE_URL.",
  };
}

/** Makes one planner call through `gateway` (created without retries) and reports on it. Never throws. */
export async function llmSmoke(gateway: LlmGateway, model: string | undefined): Promise<LlmDiagnostics> {
  const requested = model ?? gateway.modelFor("planner");
  const started = Date.now();
  try {
    const reply = await gateway.complete({
      role: "planner",
      model: requested,
      messages: [{ role: "user", content: "Reply with the single word: pong" }],
      maxTokens: SMOKE_MAX_TOKENS,
    });
    return {
      ok: true,
      model: requested,
      responseModel: reply.model,
      latencyMs: reply.latencyMs,
      usage: reply.usage,
      costUsd: reply.costUsd,
      reply: reply.content.slice(0, REPLY_EXCERPT_CHARS),
    };
  } catch (err) {
    if (!isAppError(err)) console.error(JSON.stringify({ level: "error", msg: "llm smoke failed", err: String(err) }));
    const error = errorReport(err);
    return {
      ok: false,
      failedAt: "call",
      model: requested,
      latencyMs: Date.now() - started,
      error,
      guidance: llmGuidance(error),
    };
  }
}
