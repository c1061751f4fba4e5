/** The LLM endpoint a run talks to: the tenant's own profile, the server's endpoint, or the dev demo model. */
import type { ServerEndpoint } from "../contracts/llm-profiles";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { LlmGateway, LlmGatewayConfig } from "../llm";
import { resolveTenantLlm } from "../llm/profiles";
import { appGateway } from "../llm/relay";

/** The models a run asks for by role; unnamed roles fall back to the endpoint's default. */
export interface RunModels {
  planner?: string;
  delegate?: string;
}

/** Default ceilings for a run whose request names none: generous for real work, finite for mistakes. */
export const DEFAULT_RUN_LIMITS = { llmCalls: 2_000, timeoutSeconds: 3_600, maxSandboxes: 16 } as const;

/** The endpoint the server itself offers, as {@link resolveLlm} would pick it (a tenant's default profile wins). */
export function serverEndpoint(env: Env): ServerEndpoint {
  if (env.OPENAI_BASE_URL || env.OPENAI_API_KEY) {
    return {
      kind: "server",
      baseUrl: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      model: env.OPENAI_MODEL ?? null,
    };
  }
  if (env.ENVIRONMENT === "development" && env.DEMO_LLM_BASE_URL)
    return { kind: "demo", baseUrl: null, model: "solver" };
  return { kind: "none", baseUrl: null, model: null };
}

/**
 * The LLM endpoint for a run: the configured one, or in development the scripted demo model. `tuning` overrides the
 * gateway's timeouts and retries (the diagnostics call wants one quick attempt).
 */
export function resolveLlm(
  env: Env,
  models: RunModels,
  tuning: Pick<LlmGatewayConfig, "timeoutMs" | "maxRetries" | "deadlineMs"> = {},
): LlmGateway {
  if (env.OPENAI_BASE_URL || env.OPENAI_API_KEY) {
    const fallback = env.OPENAI_MODEL;
    const planner = models.planner ?? fallback;
    if (!planner) {
      throw new AppError("validation_failed", "Name a model: set models.planner, or OPENAI_MODEL on the server", {
        details: { issues: [{ field: "json.models.planner", message: "required when OPENAI_MODEL is unset" }] },
      });
    }
    return appGateway(env, {
      baseUrl: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      apiKey: env.OPENAI_API_KEY,
      models: { planner, delegate: models.delegate ?? planner },
      ...tuning,
    });
  }
  if (env.ENVIRONMENT === "development" && env.DEMO_LLM_BASE_URL) {
    return appGateway(env, {
      baseUrl: env.DEMO_LLM_BASE_URL,
      models: { planner: models.planner ?? "solver", delegate: models.delegate ?? "solver" },
      ...tuning,
    });
  }
  throw new AppError("unavailable", "No LLM endpoint is configured: set OPENAI_API_KEY / OPENAI_BASE_URL");
}

/**
 * The LLM for a tenant's run: its default LLM profile (its own endpoint and key) when it has one, else the server's
 * endpoint from {@link resolveLlm}.
 */
export async function resolveRunLlm(env: Env, db: Db, tenantId: string, models: RunModels): Promise<LlmGateway> {
  return (await resolveTenantLlm(env, db, tenantId, models)) ?? resolveLlm(env, models);
}
