/** One-shot RLM runs: create (context stored in R2, run hosted by a task object), read with its tree, cancel. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses, IdParam } from "../contracts/common";
import { CreateRlmRunRequest, RlmRun, RlmRunAccepted } from "../contracts/rlm";
import { countSteps, loadRunTree, runSummary } from "../db/queries/runs";
import { repos } from "../db/repos";
import { inlineContextKey } from "../documents/context-key";
import { getTaskStub } from "../durable/task-stub";
import { AppError } from "../errors";
import { admitRun, releaseRun } from "../quotas";
import { DEFAULT_RUN_LIMITS, type RunLaunch, resolveRunLlm } from "../runs";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

export const rlmRunRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/rlm/runs",
      operationId: "createRlmRun",
      tags: ["rlm"],
      summary: "Start a Recursive Language Model run over an inline context",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:write")],
      request: { body: jsonBody(CreateRlmRunRequest) },
      responses: { 202: jsonResponse(RlmRunAccepted, "Started"), ...errorResponses(400, 401, 403, 413, 429, 503) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { tenantId } = c.var.principal;
      await resolveRunLlm(c.env, c.var.db, tenantId, input.models); // Fails fast, before anything is stored, when no model can serve the run.
      const runId = crypto.randomUUID();
      await admitRun({ env: c.env, db: c.var.db }, c.var.principal, {
        holder: runId,
        kind: "rlm_run",
        timeoutSeconds: input.budget.timeoutSeconds ?? DEFAULT_RUN_LIMITS.timeoutSeconds,
      });
      const isText = typeof input.context === "string";
      const contextKey = inlineContextKey(tenantId, runId);
      const launch: RunLaunch = {
        runId,
        tenantId,
        query: input.query,
        contextKey,
        contextFormat: isText ? "text" : "json",
        budget: input.budget,
        models: input.models,
        maxIterations: input.maxIterations,
        maxDepth: input.maxDepth,
        subCallConcurrency: input.subCallConcurrency,
      };
      try {
        await c.env.DOCUMENTS.put(contextKey, isText ? (input.context as string) : JSON.stringify(input.context), {
          httpMetadata: { contentType: isText ? "text/plain; charset=utf-8" : "application/json" },
        });
        await repos.runs.insert(c.var.db, tenantId, {
          id: runId,
          rootRunId: runId,
          kind: "rlm",
          status: "queued",
          query: input.query,
        });
        await getTaskStub(c.env, runId).startRlm(launch);
      } catch (err) {
        // Nothing was started: the slot and the stored context go, and a recorded row says why.
        await releaseRun(c.env, tenantId, runId);
        await c.env.DOCUMENTS.delete(contextKey).catch(() => {});
        const error = { code: "internal", message: "The run could not be started; send it again" };
        await repos.runs
          .update(c.var.db, tenantId, runId, {
            status: "failed",
            error,
            endReason: "internal",
            completedAt: new Date(),
          })
          .catch(() => {});
        throw err;
      }
      return c.json({ id: runId, status: "running" as const, url: `/v1/rlm/runs/${runId}` }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/rlm/runs/{id}",
      operationId: "getRlmRun",
      tags: ["rlm"],
      summary: "A run with its answer, usage and child runs",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:read")],
      request: { params: IdParam },
      responses: { 200: jsonResponse(RlmRun, "The run"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const found = await loadRunTree(c.var.db, tenantId, id);
      if (!found || found.root.parentRunId !== null)
        throw new AppError("not_found", "Run not found", { details: { id } });
      const steps = await countSteps(c.var.db, tenantId, [id]);
      const iterations = steps.filter((s) => s.kind === "iteration").length;
      // Answered sub-calls: a failed one is a step too (with its error), but not a sub-call that returned anything.
      const subCalls = steps.filter((s) => s.kind === "llm_call" && s.data.role === "delegate" && !s.data.error).length;
      const started = found.root.startedAt ?? found.root.createdAt;
      return c.json(
        {
          ...runSummary(found.root),
          iterations,
          subCalls,
          wallMs: found.root.completedAt ? found.root.completedAt.getTime() - started.getTime() : null,
          children: found.tree.filter((r) => r.id !== id).map(runSummary),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/rlm/runs/{id}/cancel",
      operationId: "cancelRlmRun",
      tags: ["rlm"],
      summary: "Cancel a running run and its children; the budget is settled",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("tasks:write")],
      request: { params: IdParam },
      responses: {
        200: jsonResponse(RlmRun.pick({ id: true, status: true }), "The run's status"),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const run = await repos.runs.get(c.var.db, tenantId, id);
      if (!run || run.parentRunId !== null) throw new AppError("not_found", "Run not found", { details: { id } });
      await getTaskStub(c.env, id).cancel();
      const after = await repos.runs.get(c.var.db, tenantId, id);
      return c.json({ id, status: after?.status ?? run.status }, 200);
    },
  );
