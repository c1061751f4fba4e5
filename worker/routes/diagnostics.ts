/**
 * Diagnostics with real calls: `POST /v1/diagnostics/sandbox` (a sandbox round trip with timings) and
 * `POST /v1/diagnostics/llm` (one completion from the configured LLM), each reporting the exact failure and what to do.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses } from "../contracts/common";
import {
  LlmDiagnostics,
  LlmDiagnosticsRequest,
  SandboxDiagnostics,
  SandboxDiagnosticsRequest,
} from "../contracts/diagnostics";
import { getSandboxPoolStub } from "../durable/sandbox-pool-stub";
import { configurationFailure, llmSmoke } from "../llm";
import { resolveLlm } from "../runs";
import { daytonaProvider, daytonaSettings } from "../sandbox";
import { firstBlockSmoke, type StartMode, sandboxSmoke } from "../sandbox/smoke";
import { poolSettings } from "../sandbox/warm-config";
import type { AppEnv } from "./app-env";
import { invalidFields } from "./errors";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

const GUIDANCE: Record<string, string> = {
  create: "Check DAYTONA_API_URL and DAYTONA_API_KEY, and the provider's sandbox quota.",
  start_repl: "The sandbox started but Python did not come up: check that the image/snapshot has python3.",
  exec: "The REPL answered but could not run code: see the error message.",
  ingest: "Uploading into the sandbox failed: check the toolbox endpoint and the sandbox's disk limit.",
  delete: "The sandbox could not be deleted: remove it by its labels in the provider's console.",
};

/** What a first-block smoke needs for `start`; a mode this deployment is not configured for is a 400 naming it. */
function startOf(env: Env, start: StartMode) {
  const refuse = (why: string) => invalidFields([{ field: "json.start", message: why }]);
  if (start === "snapshot") {
    if (!env.DAYTONA_SNAPSHOT) throw refuse("no snapshot is configured (DAYTONA_SNAPSHOT)");
    return { snapshot: env.DAYTONA_SNAPSHOT };
  }
  if (start === "warm") {
    if (poolSettings(env).target === 0) throw refuse("the warm pool is off (SANDBOX_WARM_POOL)");
    return { warm: getSandboxPoolStub(env) };
  }
  return {};
}

export const diagnosticsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/diagnostics/sandbox",
      operationId: "runSandboxDiagnostics",
      tags: ["diagnostics"],
      summary: "Create a sandbox, time REPL round trips and context ingestion (or a run's start), delete it",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("admin")],
      request: { body: jsonBody(SandboxDiagnosticsRequest) },
      responses: {
        200: jsonResponse(SandboxDiagnostics, "The smoke run's report"),
        ...errorResponses(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const provider = daytonaProvider(daytonaSettings(c.env));
      if (input.start) {
        return c.json(
          {
            ok: true,
            firstBlock: await firstBlockSmoke(provider, c.var.principal.tenantId, startOf(c.env, input.start)),
          },
          200,
        );
      }
      const report = await sandboxSmoke(provider, c.var.principal.tenantId, input);
      const samples = report.execMs ?? [];
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      const { execMs: _samples, ...rest } = report;
      return c.json(
        {
          ...rest,
          guidance: report.failedAt ? GUIDANCE[report.failedAt] : undefined,
          exec:
            samples.length > 0
              ? { count: samples.length, medianMs: at(0.5), p95Ms: at(0.95), samplesMs: samples }
              : undefined,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/diagnostics/llm",
      operationId: "runLlmDiagnostics",
      tags: ["diagnostics"],
      summary: "Make one real call to the configured LLM (or a named model): latency, model, usage, or what failed",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("admin")],
      request: { body: jsonBody(LlmDiagnosticsRequest) },
      responses: {
        200: jsonResponse(LlmDiagnostics, "The call's report; `ok: false` with `error` and `guidance` on failure"),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { model, timeoutMs } = c.req.valid("json");
      let gateway: ReturnType<typeof resolveLlm>;
      try {
        // One attempt bounded by the caller's limit: retries would hide the failure being diagnosed.
        gateway = resolveLlm(c.env, { planner: model }, { maxRetries: 0, timeoutMs, deadlineMs: timeoutMs });
      } catch (err) {
        return c.json(configurationFailure(err), 200);
      }
      return c.json(await llmSmoke(gateway, model), 200);
    },
  );
