/**
 * Everything a headless RLM run needs, resolved from env and the request: the LLM gateway, the shared budget, the
 * sandboxes, the recorder, and the context streamed from R2. `executeRun` is what the task Durable Object calls.
 */
import { getBudgetStub, ROOT_SCOPE } from "../budget";
import type { RunBudget } from "../contracts/rlm";
import { type Db, openDb } from "../db/client";
import { AppError } from "../errors";
import type { LlmGateway, LlmGatewayConfig } from "../llm";
import { resolveTenantLlm } from "../llm/profiles";
import { appGateway } from "../llm/relay";
import { tenantReplSandboxes } from "../sandbox";
import { composeObservers, otelObserver, traceContentObserver } from "../trace";
import { budgetPort } from "./budget-port";
import { dbRecorder } from "./db-recorder";
import { runRlm } from "./engine";
import type { RunOutcome } from "./ports";

/** A run as stored by its Durable Object: small, no context (that is in R2 under `contextKey`). */
export interface RunLaunch {
  runId: string;
  tenantId: string;
  query: string;
  contextKey: string;
  contextFormat: "text" | "json";
  budget: RunBudget;
  models: { planner?: string; delegate?: string };
  maxIterations: number;
  maxDepth: number;
  subCallConcurrency: number;
}

/** Default ceilings for a run whose request names none: generous for real work, finite for mistakes. */
export const DEFAULT_RUN_LIMITS = { llmCalls: 2_000, timeoutSeconds: 3_600, maxSandboxes: 16 } as const;

/**
 * The LLM endpoint for a run: the configured one, or in development the scripted demo model. `tuning` overrides the
 * gateway's timeouts and retries (the diagnostics call wants one quick attempt).
 */
export function resolveLlm(
  env: Env,
  models: RunLaunch["models"],
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
export async function resolveRunLlm(
  env: Env,
  db: Db,
  tenantId: string,
  models: RunLaunch["models"],
): Promise<LlmGateway> {
  return (await resolveTenantLlm(env, db, tenantId, models)) ?? resolveLlm(env, models);
}

/** Runs an RLM to its outcome; every ending (including failures) is recorded in the database. */
export async function executeRun(env: Env, launch: RunLaunch, signal: AbortSignal): Promise<RunOutcome> {
  const budget = getBudgetStub(env, launch.runId);
  const timeoutSeconds = launch.budget.timeoutSeconds ?? DEFAULT_RUN_LIMITS.timeoutSeconds;
  await budget.init({
    llmCalls: launch.budget.llmCalls ?? DEFAULT_RUN_LIMITS.llmCalls,
    tokens: launch.budget.tokens,
    costUsd: launch.budget.costUsd,
    deadline: Date.now() + timeoutSeconds * 1000,
    maxDepth: launch.maxDepth,
    maxSandboxes: launch.budget.maxSandboxes ?? DEFAULT_RUN_LIMITS.maxSandboxes,
  });
  const onAbort = () => void budget.cancel("the run was cancelled").catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  const recorder = dbRecorder({
    env,
    tenantId: launch.tenantId,
    observer: composeObservers(
      otelObserver(env, { tenantId: launch.tenantId }),
      traceContentObserver(env, launch.tenantId),
    ),
  });
  const handle = openDb(env);
  try {
    const llm = await resolveRunLlm(env, handle.db, launch.tenantId, launch.models);
    const object = await env.DOCUMENTS.get(launch.contextKey);
    if (!object) throw new AppError("not_found", "The run's context is missing from storage");
    return await runRlm(
      {
        runId: launch.runId,
        rootRunId: launch.runId,
        parentRunId: null,
        depth: 0,
        query: launch.query,
        context: { kind: "stream", stream: object.body, format: launch.contextFormat },
      },
      {
        llm,
        budget: budgetPort(budget, ROOT_SCOPE),
        sandboxes: tenantReplSandboxes(env, launch.tenantId, {}),
        recorder,
        signal,
        settings: {
          maxIterations: launch.maxIterations,
          maxDepth: launch.maxDepth,
          llmConcurrency: launch.subCallConcurrency,
        },
      },
    );
  } finally {
    signal.removeEventListener("abort", onAbort);
    await recorder.flush().catch(() => {});
    await handle.close().catch(() => {});
  }
}
